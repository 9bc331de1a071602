// Output for people: aligned tables, status colours (only on a terminal), relative times.
import pc from 'picocolors';

const STATUS_COLOUR: Record<string, (text: string) => string> = {
  queued: pc.gray,
  running: pc.blue,
  waiting_approval: pc.yellow,
  waiting_budget: pc.yellow,
  succeeded: pc.green,
  failed: pc.red,
  cancelled: pc.gray,
  timed_out: pc.yellow,
  pending: pc.yellow,
  approved: pc.green,
  denied: pc.red,
  expired: pc.gray,
};

export const status = (value: string): string => (STATUS_COLOUR[value] ?? ((t: string) => t))(value);
export const dim = pc.dim;
export const bold = pc.bold;
export const red = pc.red;
export const green = pc.green;

// eslint-disable-next-line no-control-regex
const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;

/** Rows as columns padded to their widest cell (ANSI colours do not count), under a dim header. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => visibleLength(row[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [dim(line(headers)), ...rows.map(line)].join('\n');
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 2 hours". */
export function ago(iso: string | null | undefined): string {
  if (!iso) return '-';
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (Math.abs(seconds) < 5) return 'just now';
  const [unit, size] = UNITS.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
  return relative.format(Math.round(seconds / size), unit);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const dollars = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * USD as people read it: "$1.25", "$0.0091" (four decimals under a dollar, trailing zeros dropped to
 * two), "<$0.0001" for a tiny amount that is not 0, `empty` for null (a model without a price). The
 * API's amounts are whole micro-dollars, so rounding goes through them (no float drift).
 */
export function usd(value: number | null | undefined, empty = '-'): string {
  if (value === null || value === undefined || Number.isNaN(value)) return empty;
  const micro = Math.round(Math.abs(value) * 1e6);
  const sign = value < 0 ? '-' : '';
  if (micro === 0) return '$0.00';
  if (micro < 100) return `${sign}<$0.0001`;
  if (micro < 1_000_000) return `${sign}$${(Math.round(micro / 100) / 10_000).toFixed(4).replace(/0{1,2}$/, '')}`;
  return `${sign}$${dollars.format(Math.round(micro / 10_000) / 100)}`;
}

/** A one-line spinner on stderr while something happens (nothing when stderr is not a terminal). */
export function spinner(): { text(line: string): void; stop(): void } {
  if (!process.stderr.isTTY) return { text: () => undefined, stop: () => undefined };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let current = '';
  let timer: NodeJS.Timeout | undefined;
  const draw = () => process.stderr.write(`\r\x1b[2K${pc.cyan(frames[frame++ % frames.length])} ${current}`);
  return {
    text(line) {
      current = line;
      timer ??= setInterval(draw, 80);
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      process.stderr.write('\r\x1b[2K');
    },
  };
}
