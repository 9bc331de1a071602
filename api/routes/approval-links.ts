// The page an approval email links to: `/approvals/<token>` shows what the genie wants to do and
// takes the owner's decision without an API key. The signed token is the proof; it works once (a
// decided approval takes no other decision) and stops working when the approval expires. Once
// settled, the page says only how (approved, denied, expired): not the call, its genie or its run.
import crypto from 'node:crypto';
import express, { Router, type Response } from 'express';
import { utcMinute } from '../../domain/approvals';
import { ApiError } from '../errors';
import type { ApprovalLinkView } from '../services/approvals';
import type { Services } from '../services';
import { route } from './define';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; color: #16182d; background: #f5f6fa; margin: 0; padding: 2rem 1rem; }
  main { max-width: 40rem; margin: 0 auto; background: #fff; border: 1px solid #e3e5ee; border-radius: 12px; padding: 1.5rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  pre { background: #f1f2f8; padding: .75rem; border-radius: 8px; overflow: auto; font-size: .85rem; max-height: 20rem; }
  textarea { width: 100%; box-sizing: border-box; min-height: 4rem; font: inherit; padding: .5rem; border: 1px solid #cfd2e0; border-radius: 8px; }
  .buttons { display: flex; gap: .75rem; margin-top: 1rem; }
  button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; border-radius: 8px; border: 1px solid transparent; cursor: pointer; }
  .approve { background: #4f46e5; color: #fff; }
  .deny { background: #fff; color: #b42318; border-color: #f1b5ae; }
  .muted { color: #5d6178; font-size: .9rem; }
  .status { font-weight: 600; }
`;
const STYLE_HASH = `'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`;

/** An HTML answer with no script at all, styles by hash, and nothing that leaks the token. */
function sendPage(res: Response, status: number, title: string, body: string): void {
  res.status(status);
  res.setHeader(
    'content-security-policy',
    `default-src 'none'; style-src ${STYLE_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`
  );
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Worker Genies</title><style>${STYLE}</style></head>` +
        `<body><main>${body}</main></body></html>`
    );
}

type OpenView = Extract<ApprovalLinkView, { approval: unknown }>;

/** How a settled approval ended: nothing of the call, its genie or its run. */
const SETTLED: Record<NonNullable<ApprovalLinkView['settled']>, string> = {
  approved: 'This approval was already approved.',
  denied: 'This approval was already denied.',
  expired: 'This approval expired.',
};

function describe(view: OpenView): string {
  const { approval } = view;
  return (
    `<p><strong>${escapeHtml(view.genieName)}</strong> wants to call <code>${escapeHtml(approval.tool)}</code>:</p>` +
    `<pre>${escapeHtml(JSON.stringify(approval.input, null, 2))}</pre>` +
    `<p class="muted">Requested ${escapeHtml(utcMinute(approval.requested_at))} · expires ${escapeHtml(utcMinute(approval.expires_at))} · run ${escapeHtml(approval.run_id)}</p>`
  );
}

function decisionForm(view: OpenView): string {
  return (
    `<form method="post">` +
    `<label for="note">A note (optional; a denial's note is told to the genie)</label>` +
    `<textarea id="note" name="note" maxlength="2000"></textarea>` +
    `<div class="buttons"><button class="approve" name="decision" value="approve">Approve</button>` +
    `<button class="deny" name="decision" value="deny">Deny</button></div></form>` +
    `<p class="muted">This link works once, until ${escapeHtml(utcMinute(view.approval.expires_at))}.</p>`
  );
}

const NOT_VALID =
  '<h1>This link is not valid</h1><p>It may have been mistyped or changed. Open the approval from the console instead.</p>';

/** `/approvals/:token`: the approval, and a form that approves or denies it once. */
export function approvalLinksRouter({ approvals }: Services): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

  const failed = (res: Response, err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return sendPage(res, 404, 'Not valid', NOT_VALID);
    if (err instanceof ApiError && err.status === 409) {
      return sendPage(res, 409, 'Already settled', `<h1>No decision taken</h1><p>${escapeHtml(err.message)}</p>`);
    }
    throw err;
  };

  route(router, '/approvals/:token', {
    get: async (req, res) => {
      let view: ApprovalLinkView;
      try {
        view = await approvals.viewByLink(String(req.params.token));
      } catch (err) {
        return failed(res, err);
      }
      if (view.settled) {
        const how = `<p class="status">${escapeHtml(SETTLED[view.settled])}</p>`;
        return sendPage(res, 200, 'Approval', `<h1>This approval is settled</h1>${how}`);
      }
      sendPage(res, 200, 'Approval', '<h1>Approval needed</h1>' + describe(view) + decisionForm(view));
    },
    post: [
      form,
      async (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const decision = body.decision === 'approve' ? 'approved' : body.decision === 'deny' ? 'denied' : undefined;
        const note = typeof body.note === 'string' && body.note.trim() ? body.note.trim().slice(0, 2000) : null;
        if (!decision || (note !== null && note.includes('\u0000'))) {
          return sendPage(
            res,
            400,
            'Bad request',
            '<h1>Choose Approve or Deny</h1><p>Go back and use the buttons.</p>'
          );
        }
        let decided;
        try {
          decided = await approvals.decideByLink(String(req.params.token), decision, note);
        } catch (err) {
          return failed(res, err);
        }
        if (decided.status === 'pending') {
          return sendPage(
            res,
            202,
            'Decision received',
            `<h1>Decision received</h1><p>You chose to ${decision === 'approved' ? 'approve' : 'deny'} it. The genie's run is paused right now (no worker is running); your decision reaches it as soon as one is back. You can close this page.</p>`
          );
        }
        const verb = decided.status === 'approved' ? 'Approved' : 'Denied';
        sendPage(
          res,
          200,
          verb,
          `<h1>${verb}</h1><p>The genie has been told${decided.status === 'approved' ? ' and goes on with the call' : ''}. You can close this page.</p>`
        );
      },
    ],
  });
  return router;
}
