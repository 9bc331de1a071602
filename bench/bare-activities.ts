/** The comparators' activities: each does nothing but what Temporal needs (the model one sleeps). */
export function createBareActivities() {
  return {
    noop: async (_i: number): Promise<number> => performance.timeOrigin + performance.now(),
    start: async (): Promise<void> => undefined,
    model: async (latencyMs: number): Promise<string> => {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return 'reply';
    },
    tool: async (_turn: number): Promise<string> => 'result',
    finish: async (): Promise<void> => undefined,
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
