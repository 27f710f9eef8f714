# Sends N events over /events/in and waits until /events/filter counts them all:
#   python bench.py <api-url> <N>
import asyncio, json, sys, time, uuid, urllib.request
from websockets.asyncio.client import connect
URL = sys.argv[1]; N = int(sys.argv[2])
def total(prefix):
    req = urllib.request.Request(URL + "/events/filter", data=json.dumps({"filter": {"event": {"prefix": [prefix]}}, "limit": 0}).encode(), headers={"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))["total"]
async def main():
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    async with connect(URL.replace("http", "ws") + "/events/in", subprotocols=["prefect"]) as ws:
        await ws.send(json.dumps({"type": "auth", "token": None})); await ws.recv()
        t0 = time.time()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for i in range(N):
            await ws.send(json.dumps({"id": str(uuid.uuid4()), "occurred": now, "event": prefix + "x", "resource": {"prefect.resource.id": f"bench.{i}"}, "related": [{"prefect.resource.id": "bench.parent", "prefect.resource.role": "parent"}]}))
        sent = time.time()
    while total(prefix) < N:
        await asyncio.sleep(0.05)
    done = time.time()
    print(f"{N} events: sent in {sent-t0:.2f}s, all stored after {done-t0:.2f}s ({N/(done-t0):.0f} events/s)")
asyncio.run(main())
