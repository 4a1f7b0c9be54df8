import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('never writes tokens or passwords', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ name: 't', level: 'info', destination });
    log.info({ agent_token: 'secret-token-1', driver_info: { redfish_password: 'pw-2' } }, 'x');
    log.info({ config: { agent_token: 'secret-token-3' } }, 'y');
    const text = lines.join('');
    expect(text).toContain('"name":"t"');
    expect(text).not.toMatch(/secret-token|pw-2/);
    expect(text).toContain('******');
  });
});
