import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** A stable Message-ID (`<notification-id@worker-genies>`), so a resent copy is recognisable. */
  messageId: string;
  priority: 'high' | 'normal' | 'low';
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Errors worth another attempt: the server was unreachable or answered a 4xx (try later). */
export function isTransientMailError(err: unknown): boolean {
  const e = err as { code?: string; responseCode?: number };
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNREFUSED', 'ECONNRESET', 'EDNS'].includes(e.code ?? '');
}

/** Sends mail through `SMTP_URL` (`smtp://user:pass@host:port`, or `smtps://`). */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  url.searchParams.set('connectionTimeout', '10000');
  url.searchParams.set('greetingTimeout', '10000');
  url.searchParams.set('socketTimeout', '30000');
  const transport = nodemailer.createTransport(url.toString(), { from });
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: message.messageId,
        priority: message.priority,
      });
    },
  };
}
