"""Builds the template-generated near-duplicate pairs, tests/data/duplicate_pairs.json: kept as a regression
check (the evidence is the hand-written set in tests/data/duplicate_eval/); its templates also fill the
benchmark's bodies.

    python bench/duplicate_pairs.py

Each template is a real kind of report (a publicity event, an inspection, a drill, a visit, a meeting);
each event fills it with its own place, date, people and substance. Pairs:
- duplicates: the same event reworded (synonyms, a sentence dropped or added), its paragraphs reordered,
  its names and numbers changed, re-filed with a new lead and ending, and the same event written
  independently by two units (hand-written);
- not duplicates: two different events of one template, and events of different templates."""
import itertools
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "duplicate_pairs.json"

TEMPLATES = {
    "publicity": [
        "{date}，{unit}联合{partner}在{place}开展{topic}宣传活动，{who}共{people}人参加。",
        "活动中，{detail}。现场发放宣传资料{copies}余份，解答群众咨询{questions}人次。",
        "{effect}。下一步，{unit}将{next}。",
    ],
    "inspection": [
        "为{reason}，{date}，{unit}由{leader}带队，对{place}开展{topic}专项检查。",
        "检查组{detail}，共检查{sites}处，发现问题隐患{issues}项，已当场整改{fixed}项。",
        "对未能当场整改的问题，{effect}。{unit}要求{next}。",
    ],
    "drill": [
        "{date}，{unit}在{place}组织开展{topic}应急演练，{who}{people}人参演。",
        "演练模拟{detail}，{effect}。",
        "演练结束后，{leader}进行了点评，要求{next}。",
    ],
    "visit": [
        "{date}，{leader}带领{unit}工作人员走访慰问{who}，为{people}户家庭送去{gift}。",
        "每到一户，{detail}。",
        "{effect}。{unit}表示，将{next}。",
    ],
    "meeting": [
        "{date}，{unit}召开{topic}推进会，{leader}出席并讲话，{who}参加会议。",
        "会议{detail}。",
        "会议强调，{effect}。会议要求，{next}。",
    ],
}

EVENTS = {
    "publicity": [
        dict(date="3月15日", unit="幸福社区", partner="市场监管所", place="社区广场", topic="消费者权益保护",
             who="社区工作人员和志愿者", people="26", copies="600", questions="120",
             detail="执法人员现场展示假冒伪劣商品的辨别方法，讲解预付卡消费、网购退货等常见纠纷的维权途径",
             effect="活动增强了居民的维权意识，多名老人表示今后购买保健品会更加谨慎",
             next="定期开展消费维权进社区活动，畅通投诉举报渠道"),
        dict(date="6月5日", unit="和平社区", partner="生态环境分局", place="和平公园", topic="世界环境日",
             who="党员志愿者和辖区学生", people="45", copies="800", questions="90",
             detail="志愿者用废旧报纸、饮料瓶制作环保手工艺品，环保专家讲解节约用水、减少塑料袋使用的小窍门",
             effect="孩子们带着自己做的环保作品回家，把绿色生活理念带进了家庭",
             next="把节能减排纳入社区志愿服务常态化项目"),
        dict(date="9月20日", unit="光明社区", partner="派出所", place="农贸市场门口", topic="全民国家安全教育",
             who="社区民警和网格员", people="18", copies="450", questions="75",
             detail="民警结合间谍窃密、网络泄密等真实案例，提醒群众不随意拍摄军事设施，发现可疑情况及时拨打12339举报",
             effect="群众对国家安全与日常生活的关系有了更直观的认识",
             next="把国家安全教育融入网格日常走访"),
        dict(date="11月9日", unit="新华社区", partner="消防救援站", place="社区党群服务中心", topic="冬季消防安全",
             who="楼栋长和物业人员", people="32", copies="500", questions="60",
             detail="消防员演示灭火器和室内消火栓的使用方法，居民逐一上手操作，并学习了初期火灾扑救和逃生自救知识",
             effect="参加活动的楼栋长纷纷表示要把学到的知识带回楼栋",
             next="开展冬季消防隐患入户排查，重点关注独居老人家庭"),
    ],
    "inspection": [
        dict(reason="确保节日期间食品安全", date="1月20日", unit="综合行政执法队", leader="副队长李强", place="辖区餐饮店和超市",
             topic="节前食品安全", detail="重点查看食品进货查验记录、冷藏冷冻设施和过期食品处置情况", sites="42", issues="15", fixed="11",
             effect="已下达限期整改通知书，明确整改时限并安排专人跟踪复查", next="各经营户落实主体责任，节日期间每天开展自查"),
        dict(reason="防范汛期地质灾害", date="5月28日", unit="城建办", leader="主任王建华", place="辖区在建工地和山体边坡",
             topic="汛前安全", detail="逐一查看基坑支护、排水设施和边坡防护网，核对应急物资储备和值班值守安排", sites="17", issues="9", fixed="4",
             effect="已责令施工单位停工整改，并在危险区域设置警示标志", next="各工地落实24小时值班制度，遇强降雨立即撤离人员"),
        dict(reason="消除电动自行车火灾隐患", date="8月14日", unit="安监站", leader="站长赵明", place="辖区老旧小区和城中村出租屋",
             topic="电动自行车充电安全", detail="重点检查楼道停放、入户充电和私拉电线充电行为，同时核查集中充电设施运行情况", sites="230", issues="64", fixed="58",
             effect="已录入隐患台账，由社区网格员督促整改并拍照销号", next="物业和房东加快建设集中充电棚，杜绝飞线充电"),
        dict(reason="保障冬季供暖安全", date="10月25日", unit="市政服务中心", leader="副主任孙丽", place="辖区换热站和供热管网",
             topic="供热设施", detail="对换热站设备、管网阀门和应急抢修队伍进行全面检查，测试了备用电源的切换", sites="12", issues="7", fixed="3",
             effect="已协调供热企业在开栓前完成维修更换", next="供热企业开栓后加强巡查，及时处理群众报修"),
    ],
    "drill": [
        dict(date="4月18日", unit="东湖社区", place="东湖小区3号楼", topic="高层住宅火灾", who="居民、物业和微型消防站队员", people="80",
             detail="3号楼12层住户厨房起火、浓烟蔓延至楼道，物业监控室发现火情后立即启动应急预案",
             effect="微型消防站队员3分钟内到场处置，楼栋长组织居民用湿毛巾捂住口鼻沿安全通道有序撤离",
             leader="街道应急办负责人", next="针对演练中发现的楼道堆物问题开展专项清理"),
        dict(date="6月22日", unit="滨河社区", place="滨河河堤", topic="防汛抢险", who="防汛抢险队员和民兵", people="56",
             detail="持续强降雨导致河水暴涨、河堤出现管涌险情，巡堤人员发现后立即上报",
             effect="抢险队员迅速装填沙袋、围井反滤，转移组同步将低洼区域群众转移到安置点",
             leader="街道武装部部长", next="加强汛期巡堤查险，确保抢险物资随时可用"),
        dict(date="9月3日", unit="建设小学", place="学校操场", topic="地震应急疏散", who="全校师生", people="1200",
             detail="上课期间突发地震，教学楼出现晃动，广播发出警报",
             effect="师生先就地避险，震动停止后按照预定路线迅速撤离到操场，全程用时2分30秒",
             leader="学校校长", next="把应急疏散演练纳入每学期教学计划"),
        dict(date="12月6日", unit="花园社区", place="花园小区地下车库", topic="燃气泄漏", who="燃气公司抢修人员和社区工作人员", people="24",
             detail="地下车库燃气管道因施工受损发生泄漏，现场弥漫刺鼻气味",
             effect="工作人员立即关闭阀门、设置警戒区，燃气公司抢修人员完成堵漏后检测确认安全",
             leader="燃气公司安全部经理", next="加强施工区域燃气管线保护，完善联动处置机制"),
    ],
    "visit": [
        dict(date="1月25日", leader="街道党工委书记张伟", unit="民政办", who="辖区低保户和特困供养人员", people="38", gift="米面油和慰问金",
             detail="张伟与困难群众拉家常，详细询问身体状况、收入来源和过冬取暖情况，叮嘱他们有困难及时向社区反映",
             effect="此次走访共收集群众诉求12条，已当场解决5条", next="建立困难群众动态台账，做到应保尽保"),
        dict(date="7月30日", leader="街道办事处主任刘芳", unit="退役军人服务站", who="辖区重点优抚对象和困难退役军人", people="22", gift="慰问品和光荣牌",
             detail="刘芳向老兵们致以节日问候，认真听取他们对就业创业、医疗保障等方面的意见建议",
             effect="多位老兵感谢党和政府的关怀，表示将继续发挥余热", next="落实优待政策，帮助解决退役军人就业难题"),
        dict(date="9月28日", leader="街道党工委副书记陈晨", unit="残联", who="辖区重度残疾人家庭", people="15", gift="轮椅、助行器等辅助器具",
             detail="陈晨详细了解残疾人康复训练和家庭照护情况，现场联系康复机构为两户家庭安排上门服务",
             effect="受助家庭表示辅助器具解决了出行的大难题", next="推进残疾人家庭无障碍改造，扩大康复服务覆盖面"),
        dict(date="10月23日", leader="街道人大工委主任周明", unit="老龄办", who="辖区高龄和独居老人", people="50", gift="重阳糕和保暖衣物",
             detail="周明为老人送上重阳节祝福，检查家中燃气、电器使用安全，并为老人安装了紧急呼叫设备",
             effect="走访中发现的3户老人家中电线老化问题已安排电工上门维修", next="完善独居老人定期探访制度"),
    ],
    "meeting": [
        dict(date="2月26日", unit="街道办事处", topic="老旧小区改造", leader="办事处主任刘芳", who="各社区书记和施工单位负责人",
             detail="通报了12个改造小区的施工进度，施工单位汇报了管网更换、外墙保温中遇到的困难，居民代表提出了停车位规划的意见",
             effect="改造工程是民生实事，要把群众满意作为第一标准", next="各社区每周收集居民意见，施工单位在4月底前完成管网改造"),
        dict(date="4月10日", unit="街道党工委", topic="基层党建", leader="党工委书记张伟", who="各党支部书记",
             detail="总结了一季度党建工作，部署了“党建引领网格治理”三年行动，5个党支部书记作了交流发言",
             effect="要把党组织建在网格上，让党员在基层治理中亮身份、作表率", next="各支部6月底前完成网格党小组组建"),
        dict(date="7月8日", unit="街道安委会", topic="安全生产", leader="分管副主任孙丽", who="辖区重点企业安全负责人",
             detail="传达了上级安全生产会议精神，分析了上半年辖区事故情况，3家企业作了表态发言",
             effect="当前正值高温汛期，安全生产形势复杂严峻", next="各企业立即开展隐患自查，8月15日前上报整改台账"),
        dict(date="11月12日", unit="街道办事处", topic="冬季清雪", leader="城管办主任王建华", who="各社区和环卫公司负责人",
             detail="明确了主次干道和背街小巷的清雪责任分工，检查了融雪剂、铲雪车等物资准备情况",
             effect="清雪工作关系群众出行安全，必须做到雪停路通", next="落实“以雪为令”，降雪时各单位负责人到岗指挥"),
    ],
}

SYNONYMS = [("开展", "组织"), ("活动", "工作"), ("群众", "居民"), ("进一步", "持续"), ("积极", "主动"), ("要求", "强调"),
            ("共", "合计"), ("现场", "当场"), ("重点", "着重"), ("及时", "第一时间"), ("下一步", "今后"), ("表示", "说"),
            ("详细", "仔细"), ("迅速", "快速"), ("立即", "马上")]
NAMES = ["李强", "王建华", "赵明", "孙丽", "张伟", "刘芳", "陈晨", "周明"]
OTHER_NAMES = ["吴刚", "郑海", "冯雪", "褚亮", "卫东", "蒋涛", "沈悦", "韩磊"]
OTHER_UNITS = {"幸福社区": "金桥社区", "和平社区": "春晖社区", "光明社区": "朝阳社区", "新华社区": "长青社区",
               "东湖社区": "西湖社区", "滨河社区": "南湖社区", "花园社区": "锦绣社区"}

# The same event written independently by two units (the office sees both): hand-written pairs.
SAME_EVENT = [
    ("11月9日，新华社区联合消防救援站在社区党群服务中心开展冬季消防安全宣传活动，楼栋长和物业人员共32人参加。"
     "活动中，消防员演示灭火器和室内消火栓的使用方法，居民逐一上手操作，并学习了初期火灾扑救和逃生自救知识。",
     "11月9日上午，消防救援站走进新华社区党群服务中心，为楼栋长和物业人员开展冬季消防安全培训。"
     "消防员现场演示了灭火器、室内消火栓的使用方法，32名参训人员逐一上手操作，学习了初期火灾扑救和逃生自救知识。"),
    ("6月22日，滨河社区在滨河河堤组织开展防汛抢险应急演练。演练模拟持续强降雨导致河水暴涨、河堤出现管涌险情，"
     "抢险队员迅速装填沙袋、围井反滤，转移组同步将低洼区域群众转移到安置点。",
     "6月22日，街道武装部组织民兵和防汛抢险队员在滨河河堤开展防汛抢险应急演练。演练模拟强降雨致河水暴涨、河堤出现管涌，"
     "队员们迅速装填沙袋、围井反滤，滨河社区同步将低洼区域群众转移至安置点。"),
    ("1月25日，街道党工委书记张伟带领民政办工作人员走访慰问辖区低保户和特困供养人员，为38户家庭送去米面油和慰问金。",
     "1月25日，民政办陪同街道党工委书记张伟走访慰问辖区38户低保户和特困供养人员家庭，送去米面油和慰问金。"),
    ("7月8日，街道安委会召开安全生产推进会，分管副主任孙丽出席并讲话。会议传达了上级安全生产会议精神，"
     "分析了上半年辖区事故情况，要求各企业立即开展隐患自查，8月15日前上报整改台账。",
     "7月8日，街道召开安全生产工作推进会，传达上级会议精神、分析上半年事故情况。孙丽副主任要求辖区重点企业"
     "立即开展隐患自查，8月15日前上报整改台账。"),
    ("9月3日，建设小学在学校操场组织开展地震应急疏散演练，全校师生1200人参演。演练模拟上课期间突发地震，"
     "师生先就地避险，震动停止后按照预定路线迅速撤离到操场，全程用时2分30秒。",
     "9月3日，建设小学举行地震应急疏散演练。警报响起后，1200名师生先就地避险，震动停止后沿预定路线撤离到操场，"
     "全程用时2分30秒。"),
]


def render(template: str, event: dict) -> list[str]:
    return [line.format(**event) for line in TEMPLATES[template]]


def reword(paragraphs: list[str], rng: random.Random) -> str:
    text = "\n".join(paragraphs)
    for old, new in rng.sample(SYNONYMS, 8):
        text = text.replace(old, new)
    sentences = text.replace("。", "。|").split("|")
    del sentences[rng.randrange(1, len(sentences) - 1)]  # one sentence left out
    return "".join(sentences)


def reorder(paragraphs: list[str], rng: random.Random) -> str:
    order = paragraphs[1:] + paragraphs[:1] if rng.random() < 0.5 else paragraphs[::-1]
    return "\n".join(order)


def rename(template: str, event: dict) -> str:
    changed = dict(event)
    for key, value in event.items():
        person = next((name for name in NAMES if value.endswith(name)), None)
        if person:
            changed[key] = value.removesuffix(person) + OTHER_NAMES[NAMES.index(person)]
        elif value.isdigit():
            changed[key] = str(int(value) + max(1, int(value) // 5))
        elif value in OTHER_UNITS:
            changed[key] = OTHER_UNITS[value]
    month, day = event["date"].removesuffix("日").split("月")
    changed["date"] = f"{month}月{int(day) % 28 + 1}日"
    return "\n".join(render(template, changed))


def refile(paragraphs: list[str]) -> str:
    return "\n".join(["近日，根据上级部署要求，结合辖区实际，" + paragraphs[0], *paragraphs[1:],
                      "此项工作得到了辖区群众的广泛好评。"])


def build() -> list[dict]:
    rng = random.Random(9)
    pairs = []
    for template, events in EVENTS.items():
        for index, event in enumerate(events):
            original = render(template, event)
            text = "\n".join(original)
            name = f"{template}-{index}"
            pairs += [
                {"a": text, "b": reword(original, rng), "duplicate": True, "kind": "reworded", "case": name},
                {"a": text, "b": reorder(original, rng), "duplicate": True, "kind": "reordered", "case": name},
                {"a": text, "b": rename(template, event), "duplicate": True, "kind": "renamed", "case": name},
                {"a": text, "b": refile(original), "duplicate": True, "kind": "refiled", "case": name},
                {"a": refile(original), "b": reword(original, rng), "duplicate": True, "kind": "refiled_reworded",
                 "case": name},
            ]
        for (i, first), (j, second) in itertools.combinations(enumerate(events), 2):
            pairs.append({"a": "\n".join(render(template, first)), "b": "\n".join(render(template, second)),
                          "duplicate": False, "kind": "same_template", "case": f"{template}-{i}-{j}"})
    templates = list(EVENTS)
    for first, second in zip(templates, templates[1:] + templates[:1]):
        for index in range(4):
            pairs.append({"a": "\n".join(render(first, EVENTS[first][index])),
                          "b": "\n".join(render(second, EVENTS[second][index])),
                          "duplicate": False, "kind": "other_template", "case": f"{first}-{second}-{index}"})
    for index, (a, b) in enumerate(SAME_EVENT):
        pairs.append({"a": a, "b": b, "duplicate": True, "kind": "two_units", "case": f"same-event-{index}"})
    return pairs


if __name__ == "__main__":
    pairs = build()
    OUT.write_text(json.dumps(pairs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs ({sum(p['duplicate'] for p in pairs)} duplicates) -> {OUT}")
