import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  messageId: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  port = 0;
  /**
   * Called with each message once it is received, before the server answers 250 (a test's fault
   * hook: it may kill the sending worker, which then never hears that its message was accepted).
   */
  onReceived?: (mail: ReceivedMail) => Promise<void> | void;
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim() ?? '';
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: header('Subject'),
          messageId: header('Message-ID'),
        };
        this.mails.push(mail);
        void Promise.resolve(this.onReceived?.(mail)).then(() => callback());
      });
    },
  });

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    // A client that died mid-transaction (a test killed it) is an error of its connection, not of
    // the test: without a listener the server would throw it.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
