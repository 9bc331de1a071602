import type { Response } from 'express';

/** Answers `{success: true, data}` with `status` (200 by default). */
export function sendData(res: Response, data: unknown, status = 200): void {
  res.status(status).json({ success: true, data });
}

/** Answers `{success: false, error: {code, message, details?}}`. */
export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  res.status(status).json({ success: false, error: { code, message, ...(details === undefined ? {} : { details }) } });
}
