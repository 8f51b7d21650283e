"""The portal as gunicorn serves it in production, plus one bench-only route, /bench/hello: a bare
Flask view in the same app and server run (the app's request hooks, no database, no template), the
framework's own limit that bench/load.py compares the real pages with. Never deployed."""
from portal import create_app

app = create_app()


@app.get("/bench/hello")
def hello():
    return "hello"
