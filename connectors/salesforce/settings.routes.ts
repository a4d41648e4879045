/**
 * `GET` / `PUT /api/v1/salesforce/settings` (API-key auth, tenant-scoped): the org's settings an admin
 * chooses. Today one: `timeZoneField`, the Contact/Lead field that holds the person's IANA time zone
 * (quiet hours use it before the mailing address and the tenant default). A field is accepted only when
 * the connected user can see it on Contact or Lead (one Composite call with both describes), so a typo
 * is answered at once instead of silently never matching.
 */
import { Router } from 'express';
import { bareName, type CompositeSubrequest } from './client';
import { HttpError, type Logger, tenantOf, validationError } from '../../server/platform';
import { orgSettingsSchema, type Installation, type SalesforceInstallations } from './installations';

const PERSON_OBJECTS = ['Contact', 'Lead'] as const;

export function settingsApiRoutes(deps: { logger: Logger; installations: SalesforceInstallations }): Router {
  const router = Router();
  const activeOf = async (tenantId: string): Promise<Installation> => {
    const install = await deps.installations.active(tenantId);
    if (install === undefined)
      throw new HttpError(404, 'not_found', 'this tenant has no active Salesforce connection; install Baton in Salesforce first');
    return install;
  };

  router.get('/salesforce/settings', async (_req, res) => {
    const install = await activeOf(tenantOf(res));
    res.json({ connectionId: install.connectionId, orgId: install.orgId, timeZoneField: install.timeZoneField });
  });

  router.put('/salesforce/settings', async (req, res) => {
    const parsed = orgSettingsSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error, 'body');
    const install = await activeOf(tenantOf(res));
    const field = parsed.data.timeZoneField;
    let foundOn: string[] = [];
    if (field !== null) {
      const ns = (await deps.installations.storedPackage(install))?.namespace ?? '';
      // The field as given, or the org's package namespace added to / taken from it.
      const names = new Set([field, bareName(field, ns), ...(ns === '' ? [] : [`${ns}__${field}`])]);
      let answer;
      try {
        const client = await deps.installations.client(install);
        const subs: CompositeSubrequest[] = PERSON_OBJECTS.map((o) => ({
          method: 'GET',
          url: `${client.dataPath}/sobjects/${o}/describe`,
          referenceId: o,
        }));
        answer = await client.composite(subs, false);
      } catch (err) {
        deps.logger.warn({ err, orgId: install.orgId }, 'could not describe Contact/Lead to check the time-zone field');
        throw new HttpError(
          502,
          'salesforce_unavailable',
          `Salesforce did not answer the check of ${field} (${(err as Error).message}); try again`,
        );
      }
      foundOn = PERSON_OBJECTS.filter((o) => {
        const r = answer.compositeResponse.find((x) => x.referenceId === o);
        const fields = r !== undefined && r.httpStatusCode < 300 ? (r.body as { fields?: { name?: unknown }[] } | null)?.fields : undefined;
        return Array.isArray(fields) && fields.some((f) => typeof f.name === 'string' && names.has(f.name));
      });
      if (foundOn.length === 0) {
        throw new HttpError(
          422,
          'field_not_found',
          `neither Contact nor Lead has a field ${field} that the connected Salesforce user can see; check its API name and field-level security (Baton_Integration permission set)`,
          { field },
        );
      }
    }
    await deps.installations.saveSettings(install, parsed.data);
    deps.logger.info({ tenantId: install.tenantId, orgId: install.orgId, timeZoneField: field }, 'Salesforce settings saved');
    res.json({ connectionId: install.connectionId, orgId: install.orgId, timeZoneField: field, foundOn });
  });
  return router;
}
