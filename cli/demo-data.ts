import crypto from 'node:crypto';
import type { DataTableName } from '../domain/data-tables';

/** A small deterministic PRNG (mulberry32), so every demo data set looks the same. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

const FIRST = [
  'Ada',
  'Ben',
  'Chloé',
  'Dev',
  'Elif',
  'Farah',
  'Gus',
  'Hana',
  'Ivan',
  'Jun',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Uma',
  'Victor',
  'Wen',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Okafor',
  'Schmidt',
  'Tanaka',
  'Haddad',
  'Novak',
  'García',
  'Larsen',
  'Patel',
  'Moreau',
  'Kowalski',
  'Silva',
  'Chen',
  'Byrne',
  'Rossi',
  'Ibrahim',
];
const COMPANIES = [
  'Acme Logistics',
  'Bluefin Health',
  'Cobalt Legal',
  'Dune Solar',
  'Evergreen Dental',
  'Fjord Freight',
  'Granite Insurance',
  'Harbor Realty',
  'Ion Robotics',
  'Juniper Foods',
  'Kite Travel',
  'Lumen Labs',
];
const LEAD_STATUS = ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'] as const;
const SOURCES = ['website', 'referral', 'ads', 'event', 'cold_call', 'partner'];
const OUTCOMES = ['connected', 'voicemail', 'no_answer', 'booked_meeting', 'not_interested'];
const SENTIMENTS = ['positive', 'neutral', 'negative'];
const CHANNELS = ['chat', 'phone', 'email', 'whatsapp'];
const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note', 'demo'];
const TOPICS = [
  'pricing',
  'an integration with their CRM',
  'onboarding time',
  'a discount for annual billing',
  'data residency in the EU',
  'a pilot for one team',
];

const daysAgo = (now: number, days: number, rng: ReturnType<typeof random>) =>
  new Date(now - days * 86_400_000 - rng.int(0, 86_399) * 1000).toISOString();

export type DemoRows = Record<DataTableName, Array<Record<string, unknown>>>;

/**
 * A realistic small business: 5 agents, 300 leads with activities, calls, conversations, documents
 * and emails, spread over the last 60 days. Rows carry their own ids so references line up.
 */
export function demoData(seed = 42, now = Date.now()): DemoRows {
  const rng = random(seed);
  const uuid = () => crypto.randomUUID();
  const agents = ['Ava (inbound)', 'Max (outbound)', 'Iris (support)', 'Leo (renewals)', 'Nova (night shift)'].map(
    (name, i) => ({
      id: uuid(),
      name,
      kind: i === 2 ? 'support' : 'sales',
      status: i === 4 ? 'paused' : 'active',
      created_at: daysAgo(now, 90 + i, rng),
      metadata: { demo: true, voice: rng.pick(['warm', 'crisp', 'calm']) },
    })
  );
  const leads = Array.from({ length: 300 }, () => {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const company = rng.pick(COMPANIES);
    const created = daysAgo(now, rng.int(0, 60), rng);
    return {
      id: uuid(),
      name: `${first} ${last}`,
      email: `${first
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z]/g, '')}.${last
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z]/g, '')}@${company.toLowerCase().replace(/[^a-z]/g, '')}.example`,
      phone: `+1-555-${String(rng.int(100, 999))}-${String(rng.int(1000, 9999))}`,
      company,
      status: rng.pick(LEAD_STATUS),
      source: rng.pick(SOURCES),
      score: rng.int(0, 100),
      created_at: created,
      updated_at: created,
      metadata: { demo: true },
    };
  });
  const leadActivities = leads.flatMap((lead) =>
    Array.from({ length: rng.int(1, 4) }, () => ({
      id: uuid(),
      lead_id: lead.id,
      type: rng.pick(ACTIVITY_TYPES),
      description: `Discussed ${rng.pick(TOPICS)} with ${String(lead.name)}.`,
      occurred_at: daysAgo(now, rng.int(0, 30), rng),
      metadata: { demo: true },
    }))
  );
  const callLogs = Array.from({ length: 150 }, () => {
    const lead = rng.pick(leads);
    const agent = rng.pick(agents);
    const outcome = rng.pick(OUTCOMES);
    const topic = rng.pick(TOPICS);
    return {
      id: uuid(),
      agent_id: agent.id,
      lead_id: lead.id,
      direction: rng.pick(['inbound', 'outbound']),
      from_number: '+1-555-000-0100',
      to_number: lead.phone,
      duration_seconds: outcome === 'no_answer' ? 0 : rng.int(20, 1800),
      outcome,
      transcript: Array.from({ length: rng.int(4, 40) }, (_, i) =>
        i % 2 === 0
          ? `${String(agent.name).split(' ')[0]}: Happy to help with ${topic}.`
          : `${String(lead.name)}: Tell me more about ${topic}, please.`
      ).join('\n'),
      started_at: daysAgo(now, rng.int(0, 30), rng),
      metadata: { demo: true },
    };
  });
  const conversations = Array.from({ length: 100 }, () => {
    const lead = rng.pick(leads);
    return {
      id: uuid(),
      agent_id: rng.pick(agents).id,
      channel: rng.pick(CHANNELS),
      contact_name: lead.name,
      contact_email: lead.email,
      summary: `Asked about ${rng.pick(TOPICS)}; follow-up ${rng.pick(['promised', 'scheduled', 'not needed'])}.`,
      sentiment: rng.pick(SENTIMENTS),
      started_at: daysAgo(now, rng.int(0, 30), rng),
      ended_at: null,
      metadata: { demo: true },
    };
  });
  const documents = [
    'Pricing 2026',
    'Onboarding checklist',
    'Security overview',
    'Refund policy',
    'Integration guide',
    'Sales playbook',
    'FAQ',
    'Case study: Harbor Realty',
  ].map((title, i) => ({
    id: uuid(),
    title,
    content: `${title}\n\n${Array.from({ length: 8 }, () => `This section covers ${rng.pick(TOPICS)}.`).join(' ')}`,
    source_url: `https://docs.example/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    created_at: daysAgo(now, 100 - i, rng),
    metadata: { demo: true },
  }));
  const emailLogs = Array.from({ length: 200 }, () => {
    const lead = rng.pick(leads);
    const inbound = rng.next() < 0.4;
    return {
      id: uuid(),
      lead_id: lead.id,
      direction: inbound ? 'inbound' : 'outbound',
      subject: inbound ? `Question about ${rng.pick(TOPICS)}` : `Following up on ${rng.pick(TOPICS)}`,
      body: `Hi ${String(lead.name).split(' ')[0]},\n\n${inbound ? 'Could you send details?' : 'Here are the details we discussed.'}`,
      to_address: inbound ? 'sales@yourcompany.example' : lead.email,
      from_address: inbound ? lead.email : 'sales@yourcompany.example',
      status: rng.pick(['delivered', 'opened', 'replied', 'bounced']),
      sent_at: daysAgo(now, rng.int(0, 30), rng),
      metadata: { demo: true },
    };
  });
  return {
    agents,
    leads,
    lead_activities: leadActivities,
    call_logs: callLogs,
    conversations,
    documents,
    email_logs: emailLogs,
  };
}

/** The order to insert tables in, so references exist first. */
export const DEMO_TABLE_ORDER: DataTableName[] = [
  'agents',
  'leads',
  'lead_activities',
  'call_logs',
  'conversations',
  'documents',
  'email_logs',
];
