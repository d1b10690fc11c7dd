// The lab worker's two ways in for the page's requests. The page posts each to the worker; Chromium
// holds those until the page's thread has heard that the worker's first script ran, which it hears
// only between two of its own tasks, so a request made while the page draws itself waited for all
// of that drawing. The page's first requests also go by a BroadcastChannel of the pair's own
// (web/build/first-visit-head.ts names it), which nothing holds back. Each request is handled once,
// in the order the page made them (their ids count from 1): the channel may only bring the next one,
// and it is closed when the first posted request arrives, as the direct way is open then.

export interface RequestInbox<T extends { id: number }> {
  /** The request if it is the next to handle; undefined otherwise (its post will bring it in turn). */
  fromChannel(message: T): T | undefined;
  /** The request unless the channel brought it already. */
  fromPage(message: T): T | undefined;
}

export function requestInbox<T extends { id: number }>(closeChannel: () => void): RequestInbox<T> {
  let next = 1;
  let open = true;
  return {
    fromChannel(message) {
      if (!open || message.id !== next) return undefined;
      next++;
      return message;
    },
    fromPage(message) {
      if (open) {
        open = false;
        closeChannel();
      }
      if (message.id < next) return undefined;
      next = message.id + 1;
      return message;
    },
  };
}
