// @ts-check
// h. `prefect events stream --format json` in the background prints a flow run's events live: its
// `prefect.flow-run.Running` event while `python tasks_flow.py` is still running, then its
// `prefect.flow-run.Completed` event and the task runs' events (related to the flow run).
//
// The stream is known to be subscribed once it prints a marker event sent with `prefect events emit`
// (the CLI prints "Subscribing to event stream..." before it connects).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GiveUp, waitFor } from '../lib/api.mjs';

/**
 * The events the stream printed so far (one JSON object a line; other lines are skipped).
 * @param {string} output
 * @returns {any[]}
 */
function printedEvents(output) {
  const events = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      /* a line still being written */
    }
  }
  return events;
}

/** Whether an event is about the flow run: as its resource or as a related resource. */
const about = (/** @type {any} */ e, /** @type {string} */ resourceId) =>
  e.resource?.['prefect.resource.id'] === resourceId || (e.related ?? []).some((/** @type {any} */ r) => r['prefect.resource.id'] === resourceId);

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'h',
  title: '`prefect events stream` prints a flow run’s events live (Running while it runs, Completed, task runs)',
  needs: 'events (/events/in, /events/out)',
  timeoutMs: 150_000,
  async run(ctx) {
    const stream = ctx.start(ctx.bin('prefect'), ['events', 'stream', '--format', 'json'], { label: 'h-events-stream' });
    const streamed = () => printedEvents(stream.output());
    const describeStream = () => `the stream's output:\n${ctx.tail(stream.output())}`;

    // 1. The subscription is live once a marker event sent after it starts comes back.
    const marker = ctx.name(`e2e.marker.${Date.now().toString(36)}`);
    await ctx.prefect(['events', 'emit', 'e2e.stream.marker', '--resource-id', marker], { label: 'h-events-emit' });
    await waitFor(
      `\`prefect events stream\` to print the marker event of ${marker}`,
      async () => {
        if (!stream.running()) throw new GiveUp(`prefect events stream exited:\n${ctx.tail(stream.output())}`);
        return streamed().some((e) => e.event === 'e2e.stream.marker' && e.resource?.['prefect.resource.id'] === marker);
      },
      { timeoutMs: 45_000, intervalMs: 250, describe: describeStream },
    );

    // 2. A flow run while the stream runs; its events are looked for while the flow is still running.
    const flow = ctx.start(ctx.bin('python'), [ctx.flowsFile('tasks_flow.py')], { label: 'h-tasks-flow' });
    const id = await waitFor(
      'tasks_flow.py to print its flow run id',
      async () => {
        const found = /^E2E_FLOW_RUN_ID (\S+)$/m.exec(flow.output())?.[1];
        if (!found && !flow.running()) throw new GiveUp(`tasks_flow.py exited without a flow run id:\n${ctx.tail(flow.output())}`);
        return found;
      },
      { timeoutMs: 60_000, intervalMs: 100, describe: () => ctx.tail(flow.output()) },
    );
    const flowRun = `prefect.flow-run.${id}`;
    let runningSeenWhileFlowRan = false;
    const deadline = Date.now() + 90_000;
    while (flow.running() && Date.now() < deadline) {
      if (!runningSeenWhileFlowRan && streamed().some((e) => e.event === 'prefect.flow-run.Running' && e.resource?.['prefect.resource.id'] === flowRun)) {
        runningSeenWhileFlowRan = true;
      }
      await sleep(100);
    }
    if (flow.running()) throw new Error(`tasks_flow.py did not finish within 90 s:\n${ctx.tail(flow.output())}`);
    const { code } = await flow.exited;
    assert.equal(code, 0, `python tasks_flow.py exited ${code}:\n${ctx.tail(flow.output())}`);
    assert.ok(runningSeenWhileFlowRan, `the stream did not print prefect.flow-run.Running of ${flowRun} while the flow was running\n${describeStream()}`);

    // 3. The rest comes within a couple of the server's polls.
    const taskRunsWanted = 7; // flaky, double, square ×3, boom, total
    await waitFor(
      `the stream to print ${flowRun}'s Completed event and its ${taskRunsWanted} task runs' final events`,
      async () => {
        if (!stream.running()) throw new GiveUp(`prefect events stream exited:\n${ctx.tail(stream.output())}`);
        const mine = streamed().filter((e) => about(e, flowRun));
        const completed = mine.some((e) => e.event === 'prefect.flow-run.Completed' && e.resource['prefect.resource.id'] === flowRun);
        const finalTaskRuns = new Set(
          mine.filter((e) => ['prefect.task-run.Completed', 'prefect.task-run.Failed'].includes(e.event)).map((e) => e.resource['prefect.resource.id']),
        );
        return completed && finalTaskRuns.size === taskRunsWanted;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        describe: () => `printed for ${flowRun}: ${JSON.stringify(streamed().filter((e) => about(e, flowRun)).map((e) => e.event))}`,
      },
    );
    const mine = streamed().filter((e) => about(e, flowRun));
    const names = mine.map((e) => e.event);
    for (const wanted of ['prefect.flow-run.Pending', 'prefect.flow-run.Running', 'prefect.flow-run.Completed', 'prefect.task-run.Running', 'prefect.task-run.Failed']) {
      assert.ok(names.includes(wanted), `the stream printed no ${wanted} for ${flowRun}: ${JSON.stringify(names)}`);
    }
    // Each event once (the server's polls overlap; ids already sent must not be sent again).
    const ids = mine.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, `the stream printed an event twice: ${JSON.stringify(names)}`);
    assert.ok(stream.running(), `prefect events stream stopped:\n${ctx.tail(stream.output())}`);
    ctx.note(`${mine.length} events of the flow run streamed`);
    await stream.stop(5_000);
  },
};
