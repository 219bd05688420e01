"""The floor server of bench_http.py: a one-route FastAPI app under uvicorn, started the way
`gridchain serve` starts its app (same uvicorn.run call and log config), but doing nothing.

    .venv/bin/python bench/trivial_server.py PORT      # GET /ping answers {"status": "ok"}
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

from api.server import log_config

app = FastAPI()


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=log_config())
