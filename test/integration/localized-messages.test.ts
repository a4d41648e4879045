/**
 * Outbound text chosen by the person's language, end to end: the catalog's `localized` variants for a
 * decided action and a playbook step's `localized` params, with the language taken from the person's
 * language trait, else from the language of what they wrote.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { dayZone, ingest } from '../support/decisioning-helpers';
import { effectsOfRun, RecordingActionPort } from '../support/recording-action-port';
import { apiClient, waitForRun, type ApiClient } from '../support/runs-helpers';
import { modes, startTestService, type TestService } from '../support/runtime';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(180_000);

const catalog = {
  actions: [
    {
      id: 'renewal-email',
      label: 'Renewal reminder',
      channel: 'email',
      value: 100,
      params: { templateId: 'renewal-en', subject: 'Your renewal', body: 'Your plan renews soon. Reply YES to keep it.' },
      localized: {
        es: {
          params: { templateId: 'renewal-es', subject: 'Tu renovación', body: 'Tu plan se renueva pronto. Responde SÍ para mantenerlo.' },
        },
        pt: { params: { body: 'Seu plano será renovado em breve. Responda SIM para mantê-lo.' } },
      },
    },
  ],
};
const calm = { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 }, automation: { events: ['message.*'] } };

for (const { mode, needs } of modes) {
  describeWith(needs, `messages in the person's language (${mode})`, () => {
    let svc: TestService;
    let api: ApiClient;
    let tenantId: string;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          identityModule,
          decisioningModuleWith({ expiryIntervalMs: 0 }),
          automationModule,
          cardsModule,
          runsModule({ catchAll: (db) => new RecordingActionPort(db), engine: { leaseMs: 5_000 } }),
        ],
      });
      const t = await createTenant(svc.runtime.db, 'Localized');
      tenantId = t.tenantId;
      api = apiClient(svc.url, t.apiKey);
      expect((await api.call('PUT', '/actions', catalog)).status).toBe(200);
      expect((await api.call('PUT', '/policies', calm)).status).toBe(200);
    });
    afterAll(async () => svc.stop());

    const runOf = async (profileId: string): Promise<string> => {
      const rows = await waitFor(async () => {
        const r = await svc.runtime.db.query<{ id: string }>('SELECT id FROM runs WHERE profile_id = $1 ORDER BY created_at', [profileId]);
        return r.rows.length > 0 ? r.rows : undefined;
      }, 'the automated run');
      return rows[0]?.id ?? '';
    };
    const sent = async (runId: string, kind: 'email' | 'message'): Promise<Record<string, unknown>> => {
      await waitForRun(api, runId, (r) => r.status === 'completed', 'the run');
      const effects = await effectsOfRun(svc.runtime.db, tenantId, runId);
      const effect = effects.find((e) => e.kind === kind);
      if (effect === undefined) throw new Error(`no ${kind} was sent by run ${runId}: ${JSON.stringify(effects)}`);
      return effect.params as Record<string, unknown>;
    };
    const sentBody = async (runId: string, kind: 'email' | 'message' = 'email'): Promise<{ body: unknown; language: unknown }> => {
      const params = await sent(runId, kind);
      return { body: params['body'], language: params['language'] };
    };

    it('sends the catalog variant in the language the person wrote in, and records the language on the decision', async () => {
      const p = await ingest(api, 'lucia@ejemplo.es', 'message.received', {
        text: 'Hola, quiero saber si mi plan se renueva este mes y cuánto me van a cobrar, gracias',
        traits: { timeZone: dayZone() },
      });
      const runId = await runOf(p.profileId);
      expect(await sent(runId, 'email')).toMatchObject({
        templateId: 'renewal-es',
        subject: 'Tu renovación',
        body: 'Tu plan se renueva pronto. Responde SÍ para mantenerlo.',
        language: 'es',
      });
      const decisions = await svc.runtime.db.query<{ record: { context: Record<string, unknown> } }>(
        'SELECT record FROM decisions WHERE tenant_id = $1 AND profile_id = $2',
        [tenantId, p.profileId],
      );
      expect(decisions.rows[0]?.record.context['language']).toBe('es');
    });

    it('prefers an explicit language trait (a CRM locale such as pt-BR) over the text, and falls back to the base text', async () => {
      const pt = await ingest(api, 'joao@exemplo.com.br', 'message.received', {
        text: 'Hello, when does my plan renew?',
        traits: { timeZone: dayZone(), locale: 'pt-BR' },
      });
      expect(await sentBody(await runOf(pt.profileId))).toEqual({
        body: 'Seu plano será renovado em breve. Responda SIM para mantê-lo.',
        language: 'pt',
      });
      const de = await ingest(api, 'anna@beispiel.de', 'message.received', {
        text: 'Hello, when does my plan renew?',
        traits: { timeZone: dayZone(), language: 'de' },
      });
      expect(await sentBody(await runOf(de.profileId))).toEqual({
        body: 'Your plan renews soon. Reply YES to keep it.',
        language: undefined,
      });
    });

    it('gives a triggered playbook the person’s language for its localized steps', async () => {
      const playbook = {
        id: 'welcome-note',
        version: 1,
        name: 'Welcome note',
        concurrency: 'unlimited',
        trigger: { events: ['form.submitted'] },
        steps: [
          {
            id: 'welcome',
            kind: 'action',
            action: {
              type: 'message',
              params: { channel: 'sms', body: 'Welcome aboard!' },
              localized: { fr: { body: 'Bienvenue à bord !' } },
            },
          },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/welcome-note/publish', {})).status).toBe(200);
      // The pipeline's playbook cache refreshes within 2 s.
      await new Promise((r) => setTimeout(r, 2_100));
      const f = await ingest(api, 'claire@exemple.fr', 'form.submitted', { traits: { timeZone: dayZone(), language: 'fr' } });
      expect(await sentBody(await runOf(f.profileId), 'message')).toEqual({ body: 'Bienvenue à bord !', language: 'fr' });
    });
  });
}
