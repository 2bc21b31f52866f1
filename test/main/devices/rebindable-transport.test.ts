import { describe, expect, it } from 'vitest';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import type { TransportError } from '../../../hardware/transports/transport.js';
import { RebindableTransport } from '../../../main/devices/rebindable-transport.js';
import { flushAsync } from '../../support/fake-clock.js';

function rig() {
  const first = createMemoryLink({ description: 'first' });
  const second = createMemoryLink({ description: 'second' });
  const lost: TransportError[] = [];
  const transport = new RebindableTransport(first.host, (cause) => lost.push(cause));
  const received: string[] = [];
  const disconnects: TransportError[] = [];
  transport.on('data', (chunk) => received.push(Buffer.from(chunk).toString()));
  transport.on('disconnect', (cause) => disconnects.push(cause));
  return { first, second, transport, lost, received, disconnects };
}

describe('RebindableTransport', () => {
  it('acts on its target, and after a retarget on the new one only; listeners stay', async () => {
    const { first, second, transport, received } = rig();
    await first.device.open();
    await second.device.open();
    await transport.open();
    expect(transport.description).toBe('first (host end)');
    await transport.write(Buffer.from('to first'));
    await first.device.write(Buffer.from('from first'));
    await flushAsync();
    expect(received).toEqual(['from first']);

    await transport.retarget(second.host);
    expect(transport.isOpen).toBe(false);
    expect(first.host.isOpen).toBe(false);
    expect(transport.description).toBe('second (host end)');
    await transport.open();
    await transport.write(Buffer.from('to second'));
    await second.device.write(Buffer.from('from second'));
    await first.host.open(); // the old device still talking on its own: no longer heard here
    await first.device.write(Buffer.from('late from first'));
    await flushAsync();
    expect(received).toEqual(['from first', 'from second']);
    const seenBySecond: string[] = [];
    second.device.on('data', (chunk) => seenBySecond.push(Buffer.from(chunk).toString()));
    await transport.write(Buffer.from('again'));
    await flushAsync();
    expect(seenBySecond).toEqual(['again']);
  });

  it('a retarget away from an open target emits one disconnect, which is not reported as a lost device', async () => {
    const { second, transport, lost, disconnects } = rig();
    await transport.open();
    await transport.retarget(second.host);
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]).toMatchObject({ code: 'closed', message: expect.stringMatching(/first \(host end\): the device moved to second \(host end\)/) });
    expect(lost).toEqual([]);
    // Away from a closed target: nothing to fail.
    await transport.retarget(createMemoryLink().host);
    expect(disconnects).toHaveLength(1);
  });

  it('reports a disconnect of the target itself to listeners and as a lost device', async () => {
    const { first, second, transport, lost, disconnects } = rig();
    await transport.open();
    first.unplug('cable pulled');
    expect(disconnects).toHaveLength(1);
    expect(lost).toEqual(disconnects);
    await transport.retarget(second.host);
    await transport.open();
    first.replug();
    await first.host.open();
    first.unplug('the old one again'); // no longer the target: not heard
    expect(disconnects).toHaveLength(1);
  });
});
