"""How the app is run in production: the front door (nginx) in front of gunicorn."""
