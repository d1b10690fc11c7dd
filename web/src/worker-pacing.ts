// Pacing for the workers that run a guest program (the lab's and the embeds'): a pause between
// slices, and a turn for queued messages (pause, step) between slices that run back to back.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets queued messages in without the 4 ms clamp of nested timers. */
export function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
