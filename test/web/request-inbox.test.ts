// The lab worker takes the page's first requests from a channel as well as from posts
// (web/src/lab/request-inbox.ts): each is handled once, in the order the page made them.
import { describe, expect, it } from 'vitest';
import { requestInbox } from '../../web/src/lab/request-inbox.ts';

const request = (id: number) => ({ id });

describe('the lab worker\'s request inbox', () => {
  it('handles what the channel brings first once, when its posts arrive later', () => {
    let closed = 0;
    const inbox = requestInbox(() => closed++);
    expect(inbox.fromChannel(request(1))).toEqual(request(1));
    expect(inbox.fromChannel(request(2))).toEqual(request(2));
    expect(closed).toBe(0);
    expect(inbox.fromPage(request(1))).toBeUndefined();
    expect(closed).toBe(1);
    expect(inbox.fromPage(request(2))).toBeUndefined();
    expect(inbox.fromPage(request(3))).toEqual(request(3));
    // Closed: a late copy from the channel is dropped.
    expect(inbox.fromChannel(request(4))).toBeUndefined();
    expect(inbox.fromPage(request(4))).toEqual(request(4));
    expect(closed).toBe(1);
  });

  it('never lets the channel bring a request ahead of one it missed', () => {
    const inbox = requestInbox(() => undefined);
    // Request 1 went out before the worker listened on the channel; 2 came by it.
    expect(inbox.fromChannel(request(2))).toBeUndefined();
    expect(inbox.fromPage(request(1))).toEqual(request(1));
    expect(inbox.fromPage(request(2))).toEqual(request(2));
  });

  it('takes posts alone when the channel brings nothing', () => {
    const inbox = requestInbox(() => undefined);
    expect([1, 2, 3].map((id) => inbox.fromPage(request(id)))).toEqual([request(1), request(2), request(3)]);
  });
});
