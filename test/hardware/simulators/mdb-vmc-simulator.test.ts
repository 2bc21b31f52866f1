import { describe, expect, it } from 'vitest';
import { TextLineDecoder } from '../../../hardware/protocols/mdb/text-line-decoder.js';
import { MdbVmcSimulator } from '../../../hardware/simulators/mdb-vmc-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { FakeClock } from '../../support/fake-clock.js';

async function rawVmc() {
  const clock = new FakeClock();
  const link = createMemoryLink();
  const vmc = new MdbVmcSimulator({ transport: link.device, timers: clock, setupStepMs: 100, dispenseMs: 500, giveUpAfterMs: 10_000 });
  await vmc.start();
  await link.host.open();
  const lines: string[] = [];
  const decoder = new TextLineDecoder();
  link.host.on('data', (chunk) => lines.push(...decoder.push(chunk).flatMap((result) => (result.ok ? [result.line] : []))));
  const send = async (line: string) => {
    await link.host.write(new TextEncoder().encode(`${line}\n`));
    await clock.advance(0);
  };
  return { clock, vmc, lines, send };
}

describe('MdbVmcSimulator', () => {
  it('walks the reader through INACTIVE, DISABLED, ENABLED after C,1', async () => {
    const rig = await rawVmc();
    expect(rig.vmc.selectProduct(1, 100)).toBe(false);
    await rig.send('C,1');
    await rig.clock.advance(300);
    expect(rig.lines).toEqual(['c,STATUS,INACTIVE', 'c,STATUS,DISABLED', 'c,STATUS,ENABLED']);
  });

  it('approve → VEND SUCCESS, IDLE, ENABLED; deny → ENABLED; unknown command → c,ERR', async () => {
    const rig = await rawVmc();
    await rig.send('C,1');
    await rig.clock.advance(300);
    rig.lines.length = 0;
    rig.vmc.selectProduct(4, 250);
    await rig.send('C,VEND,2.50');
    await rig.clock.advance(500);
    expect(rig.lines).toEqual(['c,STATUS,VEND,2.50,4', 'c,VEND,SUCCESS', 'c,STATUS,IDLE', 'c,STATUS,ENABLED']);
    rig.lines.length = 0;
    rig.vmc.selectProduct(4, 250);
    await rig.send('C,VEND,-1');
    await rig.send('C,WHAT');
    expect(rig.lines).toEqual(['c,STATUS,VEND,2.50,4', 'c,STATUS,ENABLED', 'c,ERR,UNKNOWN COMMAND C,WHAT']);
    expect(rig.vmc.sessions.map((session) => session.result)).toEqual(['dispensed', 'denied']);
  });

  it('gives up an unanswered vend request, and refuses an approval out of sequence', async () => {
    const rig = await rawVmc();
    await rig.send('C,1');
    await rig.clock.advance(300);
    rig.vmc.selectProduct(4, 250);
    await rig.clock.advance(10_000);
    expect(rig.vmc.sessions[0]?.result).toBe('gave-up');
    await rig.send('C,VEND,2.50');
    expect(rig.lines.at(-1)).toBe('c,ERR,VEND OUT OF SEQUENCE');
  });
});
