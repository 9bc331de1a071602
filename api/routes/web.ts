// The web pages the API serves besides /v1: the owner console at `/` and the API reference at
// `/docs`. Every asset comes from this process (the console works with no internet): the console's
// own files from console/, Preact, htm and eventsource-parser from node_modules, Swagger UI from swagger-ui-dist.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { PROJECT_ROOT } from '../../platform/project';

const CONSOLE_DIR = path.join(PROJECT_ROOT, 'console'); // the same from the sources and from dist/

/** Files from node_modules the pages import, by the path they are served at. */
const PREACT_DIR = path.dirname(require.resolve('preact/package.json'));
const HTM_DIR = path.dirname(require.resolve('htm')); // htm exports no package.json; its main is in dist/
const SSE_PARSER_DIR = path.dirname(require.resolve('eventsource-parser')); // dist/, beside its ESM build
const VENDOR: Record<string, string> = {
  '/vendor/preact.mjs': path.join(PREACT_DIR, 'dist', 'preact.mjs'),
  '/vendor/preact-hooks.mjs': path.join(PREACT_DIR, 'hooks', 'dist', 'hooks.mjs'),
  '/vendor/htm.mjs': path.join(HTM_DIR, 'htm.mjs'),
  '/vendor/eventsource-parser.mjs': path.join(SSE_PARSER_DIR, 'index.js'),
};
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'];

/** sha256 CSP sources of the inline scripts in an HTML page (the console's import map). */
function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)]
    .filter(([tag]) => !/\ssrc=/.test(tag))
    .map(
      ([, body]) =>
        `'sha256-${crypto
          .createHash('sha256')
          .update(body ?? '')
          .digest('base64')}'`
    );
}

function page(file: string, options: { styleInline?: boolean } = {}): RequestHandler {
  const html = fs.readFileSync(file, 'utf8');
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${inlineScriptHashes(html).join(' ')}`,
    `style-src 'self'${options.styleInline ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  return (_req, res) => {
    res.setHeader('content-security-policy', csp);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.type('html').send(html);
  };
}

/** `/` (the console), its assets, and `/docs` (Swagger UI over /v1/openapi.json). */
export function webRouter(): Router {
  const router = Router();
  const statics = { fallthrough: true, index: false, maxAge: '5m' };
  router.get('/', page(path.join(CONSOLE_DIR, 'index.html')));
  router.use('/console', express.static(CONSOLE_DIR, statics));
  for (const [url, file] of Object.entries(VENDOR)) {
    router.get(url, (_req, res) => res.type('application/javascript').sendFile(file, { maxAge: '1h' }));
  }
  // Swagger UI styles itself with inline style attributes.
  router.get('/docs', page(path.join(CONSOLE_DIR, 'docs', 'index.html'), { styleInline: true }));
  for (const file of SWAGGER_UI_FILES) {
    router.get(`/docs/assets/${file}`, (_req, res) => res.sendFile(path.join(SWAGGER_UI_DIR, file), { maxAge: '1h' }));
  }
  return router;
}
