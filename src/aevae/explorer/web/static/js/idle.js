// Work the page does while nothing else is asked of it: a family's slider steps faster when the pictures and codes
// it will need were made beforehand.

/**
 * Run `tasks` (functions, in order) while the browser is idle, a few at a time, leaving each frame its time.
 * @param {Array<() => void>} tasks
 */
export function whenIdle(tasks) {
  const pending = [...tasks];
  const next = (deadline) => {
    while (pending.length && deadline.timeRemaining() > 4) pending.shift()();
    if (pending.length) later(next);
  };
  if (pending.length) later(next);
}

// requestIdleCallback where the browser has it, else a short timer with a fixed budget
function later(fn) {
  if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 2000 });
  else setTimeout(() => fn({ timeRemaining: () => 8 }), 50);
}
