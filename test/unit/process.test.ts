import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('onShutdown({ watchOutput: true })', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-process-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * A process that has nothing to write (the `npm start` supervisor between events) and whose
   * parent stays: it must still see that whoever read its output closed it, and say 'orphaned'.
   * Until then its output keeps working and it keeps running, also once the reader has shut down
   * its own sending side (journald does so at once: it only reads).
   */
  it('resolves when the reader of stdout is gone, though the process writes nothing', async () => {
    const reasonFile = path.join(dir, 'reason');
    const script = `
      const fs = require('node:fs');
      const { onShutdown } = require('./platform/process');
      onShutdown({ watchOutput: true }).then((reason) => {
        fs.writeFileSync(${JSON.stringify(reasonFile)}, reason);
        process.exit(0);
      });
      setInterval(() => undefined, 60_000);
      console.log('watching');
      setTimeout(() => console.log('still writing'), 1500);
      setTimeout(() => console.log('and still'), 3000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('still writing')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toBe('watching\nstill writing\n'); // its stdout untouched by the watch
      (child.stdout as Socket).end(); // shutdown(SHUT_WR): the reader sends nothing more, but reads on
      while (!output.includes('and still')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`stopped too soon:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(child.exitCode).toBeNull();

      child.stdout.destroy();
      child.stderr.destroy();
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('running'), 5000))]);
      expect(code).toBe(0);
      expect(fs.readFileSync(reasonFile, 'utf8')).toBe('orphaned');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
