"""What happens to an item after submission: adoptions, leader instructions, feedback."""
