// Plans many redirects in one call: a patch of a thousand functions crosses into the engine once,
// not a thousand times. The requests and the answer's records are laid out in common/plan-record.ts.
import { inputBuffer, inputSize } from './input';
import { RedirectRequest, planRecordSize } from './plan';
import {
  REQUEST_ADDRESS, REQUEST_ALIGN, REQUEST_FUNCTION_LENGTH, REQUEST_HAS_TRAMPOLINE, REQUEST_HEADER_SIZE, REQUEST_MODE, REQUEST_OPTIONS,
  REQUEST_PADDING_LENGTH, REQUEST_REPLACEMENT, REQUEST_TRAMPOLINE,
} from './plan-record';
import { PadOption, RedirectMode } from './interface';

let answers = new Uint8Array(4096);

/**
 * Plans the `count` requests in the input buffer with `plan` (which answers the address of a
 * record, valid until the next plan) and answers the address of their records, one after another.
 */
export function planBatch(count: i32, plan: (request: RedirectRequest) => usize): usize {
  // The input buffer is only read: asking for 0 bytes answers where it starts without growing it.
  const start = inputBuffer(0);
  const end = start + <usize>inputSize();
  let at = start;
  let length = 0;
  for (let i = 0; i < count; i++) {
    assert(at + REQUEST_HEADER_SIZE <= end, 'a plan request past the end of the input buffer');
    const request = new RedirectRequest();
    request.address = load<u64>(at, REQUEST_ADDRESS);
    request.replacement = load<u64>(at, REQUEST_REPLACEMENT);
    request.trampoline = load<u64>(at, REQUEST_TRAMPOLINE);
    request.paddingLength = <i32>load<u32>(at, REQUEST_PADDING_LENGTH);
    request.functionLength = <i32>load<u32>(at, REQUEST_FUNCTION_LENGTH);
    request.mode = load<u8>(at, REQUEST_MODE) == <u8>RedirectMode.Hook ? RedirectMode.Hook : RedirectMode.Replace;
    request.hasTrampoline = load<u8>(at, REQUEST_HAS_TRAMPOLINE) != 0;
    const options = <i32>load<u8>(at, REQUEST_OPTIONS);
    request.keepLandingPads = (options & PadOption.Overwrite) == 0;
    request.strictLandingPads = (options & PadOption.Strict) != 0;
    request.code = at + REQUEST_HEADER_SIZE;
    assert(request.code + <usize>request.paddingLength + <usize>request.functionLength <= end, 'a plan request past the end of the input buffer');

    const record = plan(request);
    const size = planRecordSize(record);
    if (length + size > answers.length) {
      const grown = new Uint8Array(max(answers.length * 2, length + size));
      memory.copy(grown.dataStart, answers.dataStart, <usize>length);
      answers = grown;
    }
    memory.copy(answers.dataStart + <usize>length, record, <usize>size);
    length += size;

    const requestSize = REQUEST_HEADER_SIZE + request.paddingLength + request.functionLength;
    at += <usize>((requestSize + REQUEST_ALIGN - 1) & ~(REQUEST_ALIGN - 1));
  }
  return answers.dataStart;
}
