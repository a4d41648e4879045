/**
 * `GET /api/v1/lift` with its time series, on both storage modes: decisions and outcomes made
 * through the API, then their settlement times spread over five days in the database (the API
 * settles "now"), so the series has one cumulative point per day and `bucket=auto` picks days.
 */
import { cardsModule } from '../../server/cards/cards.module';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { ingest, type DecisionJson } from '../support/decisioning-helpers';
import { apiClient, type ApiClient } from '../support/runs-helpers';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

jest.setTimeout(180_000);

interface Point {
  at: string;
  treated: { decisions: number; positives: number };
  control: { decisions: number; positives: number };
  lift: number | null;
  confidenceInterval: [number, number] | null;
}
interface LiftJson {
  bucket: string;
  cumulative: boolean;
  overall: Point;
  series: Point[];
  perAction: (Point & { actionId: string; series: Point[] })[];
}

const DAY = 86_400_000;

for (const { mode, needs } of modes) {
  describeWith(needs, `lift over time API (${mode})`, () => {
    let svc: TestService;
    let api: ApiClient;
    let tenantId = '';
    const day0 = Date.UTC(2026, 10, 23); // Monday

    beforeAll(async () => {
      svc = await startTestService(mode, { modules: [identityModule, decisioningModuleWith({ expiryIntervalMs: 0 }), cardsModule] });
      const t = await createTenant(svc.runtime.db, 'Lift series');
      tenantId = t.tenantId;
      api = apiClient(svc.url, t.apiKey);
      expect(
        (await api.call('PUT', '/actions', { actions: [{ id: 'offer', label: 'Offer', channel: 'email', value: 10, template: 'offer' }] }))
          .status,
      ).toBe(200);
      expect(
        (
          await api.call('PUT', '/policies', {
            holdout: { share: 0.5 },
            randomControlShare: 0,
            reach: { initial: 1 },
            quietHours: { enabled: false },
          })
        ).status,
      ).toBe(200);
      // 30 people, each decided once; outcome positive for 2 in 3 treated and 1 in 3 holdout decisions.
      const decisions: DecisionJson[] = [];
      for (let i = 0; i < 30; i++) {
        const p = await ingest(api, `series${i}@lift.io`, 'contact.updated');
        const d = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
        expect(d.status).toBe(200);
        decisions.push(d.body);
      }
      const treated = decisions.filter((d) => !d.holdout);
      const held = decisions.filter((d) => d.holdout);
      expect(treated.length).toBeGreaterThan(2);
      expect(held.length).toBeGreaterThan(2);
      for (const [i, d] of [...treated.entries(), ...held.entries()]) {
        const positive = d.holdout ? i % 3 === 0 : i % 3 !== 0;
        expect((await api.call('POST', `/decisions/${d.decisionId}/outcome`, { outcome: positive ? 'positive' : 'negative' })).status).toBe(
          200,
        );
      }
      // Spread the settlements over five days (decision i settles on day i mod 5, 10:00 UTC).
      for (const [i, d] of decisions.entries()) {
        await svc.runtime.db.query('UPDATE decision_outcomes SET at = $3 WHERE tenant_id = $1 AND decision_id = $2', [
          tenantId,
          d.decisionId,
          new Date(day0 + (i % 5) * DAY + 10 * 3_600_000).toISOString(),
        ]);
      }
    });
    afterAll(async () => svc.stop());

    it('answers a cumulative daily series whose last point is the overall lift, overall and per action', async () => {
      const r = await api.call<LiftJson>('GET', '/lift');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ bucket: 'day', cumulative: true });
      expect(r.body.series.map((p) => p.at)).toEqual([0, 1, 2, 3, 4].map((d) => new Date(day0 + d * DAY).toISOString()));
      const decided = r.body.series.map((p) => p.treated.decisions + p.control.decisions);
      expect(decided).toEqual([6, 12, 18, 24, 30]);
      const last = r.body.series[4];
      expect(last?.treated).toEqual(r.body.overall.treated);
      expect(last?.control).toEqual(r.body.overall.control);
      expect(last?.lift).toBeCloseTo(r.body.overall.lift ?? NaN, 12);
      expect(last?.confidenceInterval).toEqual(r.body.overall.confidenceInterval);
      expect(r.body.overall.lift).toBeGreaterThan(0);
      const offer = r.body.perAction.find((a) => a.actionId === 'offer');
      expect(offer?.series).toHaveLength(5);
      expect(offer?.series[4]?.treated).toEqual(offer?.treated);
    });

    it('takes a bucket and refuses unknown buckets and series too long to draw', async () => {
      const hourly = await api.call<LiftJson>('GET', '/lift?bucket=hour');
      expect(hourly.body.bucket).toBe('hour');
      expect(hourly.body.series.map((p) => p.at)[1]).toBe(new Date(day0 + DAY + 10 * 3_600_000).toISOString());
      const weekly = await api.call<LiftJson>('GET', '/lift?bucket=week&confidence=0.9');
      expect(weekly.body.series).toHaveLength(1);
      expect(weekly.body.series[0]?.at).toBe(new Date(day0).toISOString());
      const bad = await api.call<{ error: { code: string; message: string } }>('GET', '/lift?bucket=fortnight');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/bucket/);
      await svc.runtime.db.query(
        'UPDATE decision_outcomes SET at = $2 WHERE tenant_id = $1 AND decision_id = (SELECT decision_id FROM decision_outcomes WHERE tenant_id = $1 LIMIT 1)',
        [tenantId, new Date(day0 - 30 * DAY).toISOString()],
      );
      const tooLong = await api.call<{ error: { code: string } }>('GET', '/lift?bucket=minute');
      expect([tooLong.status, tooLong.body.error.code]).toEqual([400, 'series_too_long']);
      expect((await api.call<LiftJson>('GET', '/lift')).body.bucket).toBe('day');
    });
  });
}
