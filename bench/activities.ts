/** Records when each no-op activity ran (the bench reads the times back). */
export const noopTimes: number[] = [];

export function createBenchActivities() {
  return {
    noop: async (_i: number): Promise<void> => {
      noopTimes.push(performance.now());
    },
  };
}

export type BenchActivities = ReturnType<typeof createBenchActivities>;
