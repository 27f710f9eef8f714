# Compares the task runs and state histories of one flow run on two servers:
#   python compare.py <api-a> <flow-name-a> <api-b> <flow-name-b>
import json, sys, urllib.request
def call(base, path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), headers={"content-type": "application/json"}, method="GET" if body is None else "POST")
    return json.load(urllib.request.urlopen(req))
def summary(base, flow_name):
    fr = call(base, "/flow_runs/filter", {"flows": {"name": {"any_": [flow_name]}}})
    assert len(fr) == 1, fr
    frid = fr[0]["id"]
    trs = call(base, "/task_runs/filter", {"flow_runs": {"id": {"any_": [frid]}}, "sort": "EXPECTED_START_TIME_ASC"})
    count = call(base, "/task_runs/count", {"flow_runs": {"id": {"any_": [frid]}}})
    out = []
    for t in trs:
        states = call(base, f"/task_run_states/?task_run_id={t['id']}")
        one = call(base, f"/task_runs/{t['id']}")
        assert one["id"] == t["id"]
        out.append((t["task_key"].split("-")[0], t["state_type"], t["state_name"], t["run_count"], t["flow_run_run_count"], bool(t["start_time"]), bool(t["end_time"]), t["total_run_time"] > 0, json.dumps({k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for k, v in t["empirical_policy"].items()}, sort_keys=True), json.dumps({k: [i.get("input_type") for i in v] for k, v in t["task_inputs"].items()}, sort_keys=True), [(s["type"], s["name"]) for s in states], sorted(k for k in t.keys()), sorted(t["state"]["state_details"].keys()), t["state"]["state_details"]["task_run_id"] == t["id"]))
    return count, sorted(out, key=lambda x: (x[0], x[10]))
a = summary(sys.argv[1], sys.argv[2]); b = summary(sys.argv[3], sys.argv[4])
print("counts", a[0], b[0])
for x, y in zip(a[1], b[1]):
    print("SAME" if x == y else "DIFF", x if x == y else (x, y))
