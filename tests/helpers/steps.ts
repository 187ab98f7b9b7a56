// Named, timed steps of an end-to-end test. A slow machine makes a step slow, not wrong: each step has its
// own budget (measured time × a margin), so a timeout names the step that was slow instead of the whole
// test, and every step's duration is logged so budgets can be set from measurements.

export interface StepTiming {
  name: string;
  ms: number;
  budgetMs: number;
  ok: boolean;
}

const timings: StepTiming[] = [];

/**
 * Runs `fn` as the step `name` and records how long it took. Rejects with `step "<name>" took longer than
 * <ms> ms` when it has not settled by then (the work itself is not cancelled: the test fails, its
 * afterAll cleans up).
 */
export async function step<T>(name: string, fn: () => Promise<T>, ms: number): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${name}" took longer than ${ms} ms`)), ms);
  });
  let ok = false;
  try {
    const result = await Promise.race([fn(), late]);
    ok = true;
    return result;
  } finally {
    clearTimeout(timer);
    timings.push({ name, ms: Date.now() - started, budgetMs: ms, ok });
  }
}

/** The sum of step budgets plus `slackMs`: a test's whole budget (jest.setTimeout), from its steps'. */
export const budget = (steps: Record<string, number>, slackMs = 30_000): number =>
  Object.values(steps).reduce((a, b) => a + b, slackMs);

/** The steps run so far in this file, in order. */
export const stepTimings = (): readonly StepTiming[] => timings;

/** One line per step: its duration against its budget (for an afterAll's log). */
export function formatStepTimings(title: string): string {
  const rows = timings.map(
    (t) =>
      `  ${t.ok ? " " : "!"} ${t.name.padEnd(40)} ${(t.ms / 1000).toFixed(1).padStart(7)} s of ${(t.budgetMs / 1000).toFixed(0)} s`,
  );
  return [`${title}: step durations`, ...rows].join("\n");
}
