// The worker's HTTP server: liveness, readiness and, with the development catcher, the caught mails.
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { DataSource } from 'typeorm';
import { findCaughtMail, latestCaughtMails } from './caught-mail.repository';
import { escapeHtml } from './mail-templates';

export interface HttpOptions {
  name: string;
  ready(): Promise<boolean>;
  /** Set only when mails are caught instead of sent. */
  catcher: DataSource | null;
}

export interface RunningHttp { url: string; port: number; stop(): Promise<void> }

const limitOf = (value: unknown) => Math.min(Math.max(Number.parseInt(String(value ?? ''), 10) || 50, 1), 500);

export async function startHttpServer(options: HttpOptions, port: number, host: string): Promise<RunningHttp> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => { res.json({ status: 'ok', service: options.name }); });
  app.get('/ready', async (_req, res) => {
    const ok = await options.ready().catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', service: options.name });
  });

  const catcher = options.catcher;
  if (catcher) {
    app.get('/mails.json', async (req, res, next) => {
      try { res.json(await latestCaughtMails(catcher, limitOf(req.query.limit))); } catch (error) { next(error); }
    });
    app.get('/mails', async (req, res, next) => {
      try {
        const mails = await latestCaughtMails(catcher, limitOf(req.query.limit));
        const rows = mails.map((m) => `<tr><td>${escapeHtml(new Date(m.sentAt).toISOString())}</td><td>${escapeHtml(m.to)}</td>`
          + `<td><a href="/mails/${escapeHtml(m.id)}">${escapeHtml(m.subject)}</a></td><td><pre>${escapeHtml(m.text)}</pre></td></tr>`).join('');
        res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Caught mails</title></head><body style="font-family:sans-serif">`
          + `<h1>Caught mails (${mails.length}, newest first)</h1><table border="1" cellpadding="6"><tr><th>Sent</th><th>To</th><th>Subject</th><th>Text</th></tr>${rows}</table></body></html>`);
      } catch (error) { next(error); }
    });
    // The mail's own HTML, as a mail client would show it; the sandbox keeps its scripts (if any) off this origin.
    app.get('/mails/:id', async (req, res, next) => {
      try {
        const mail = await findCaughtMail(catcher, req.params.id);
        if (!mail) { res.status(404).json({ error: 'not found' }); return; }
        res.set('content-security-policy', 'sandbox').type('html').send(mail.html);
      } catch (error) { next(error); }
    });
  }

  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
