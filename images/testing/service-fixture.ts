import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { FakeClock, createLogger } from '../../lib';
import { ImageService, ImageServiceError, type ImageServiceOptions } from '../image-service';

/** A log record as pino writes it, for tests that check what the service reported. */
export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** An image service in a temporary data directory, with its log records kept. */
export class ServiceFixture {
  readonly logs: LogRecord[] = [];
  service: ImageService;

  constructor(
    readonly dir = mkdtempSync(join(tmpdir(), 'images-')),
    private readonly extra: Partial<ImageServiceOptions> = {},
  ) {
    this.service = this.create();
  }

  /** A fresh service on the same data directory, as after a restart. */
  create(overrides: Partial<ImageServiceOptions> = {}): ImageService {
    const destination = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) this.logs.push(JSON.parse(line) as LogRecord);
        done();
      },
    });
    const logger = createLogger({ name: 'images-test', level: 'debug', destination });
    return new ImageService({
      dataDir: this.dir,
      clock: new FakeClock(),
      logger,
      samples: false,
      ...this.extra,
      ...overrides,
    });
  }

  async restart(overrides: Partial<ImageServiceOptions> = {}): Promise<ImageService> {
    await this.service.stop();
    this.service = this.create(overrides);
    await this.service.start();
    return this.service;
  }

  async dispose(): Promise<void> {
    await this.service.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Awaits a refusal and checks its HTTP status and reason. */
export async function expectRefusal(
  work: Promise<unknown>,
  status: number,
  message: RegExp = /./,
): Promise<void> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageServiceError);
  expect((err as ImageServiceError).statusCode).toBe(status);
  expect((err as ImageServiceError).message).toMatch(message);
}
