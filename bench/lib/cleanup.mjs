// @ts-check
// What must be stopped if the benchmark is interrupted (Ctrl-C): its child processes run in their own
// process groups, and the Postgres cluster is a server of its own, so neither would die with us.

/** @type {Set<() => Promise<void>>} */
const tasks = new Set();

/** Registers `stop` to run if the process is interrupted; returns a function that unregisters it. */
export function onInterrupt(/** @type {() => Promise<void>} */ stop) {
  tasks.add(stop);
  return () => {
    tasks.delete(stop);
  };
}

let installed = false;
export function stopEverythingOnInterrupt() {
  if (installed) return;
  installed = true;
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.once(signal, async () => {
      console.error(`\n${signal}: stopping the servers and the database…`);
      for (const stop of [...tasks].reverse()) await stop().catch(() => {});
      process.exit(130);
    });
  }
}
