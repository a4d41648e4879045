import {
  Alert,
  Button,
  Divider,
  ErrorState,
  Flex,
  Heading,
  Input,
  Link,
  LoadingSpinner,
  NumberInput,
  StatusTag,
  Text,
  Toggle,
} from '@hubspot/ui-extensions';
import { useCallback, useEffect, useState } from 'react';
import { type AddAlert, type BatonApi, BatonApiError, describeError, type FieldIssue, NOT_CONFIGURED } from '../cards/lib/api';
import {
  SETTINGS_BOUNDS,
  type SettingsPolicies,
  type SettingsUpdateRequest,
  type SettingsView,
  settingsUpdateRequestSchema,
} from '../cards/lib/contract/settings-view';
import { formatTime, humanize } from '../cards/lib/format';

export interface SettingsPageProps {
  /** Null when the app was uploaded without a backend URL (the PUBLIC_URL profile variable). */
  readonly api: BatonApi | null;
  readonly addAlert: AddAlert;
}

/** What the form edits: shares as percentages, everything else as in the contract. */
interface FormState {
  quietHoursEnabled: boolean;
  quietStart: string;
  quietEnd: string;
  perDay: number;
  perWeek: number;
  holdoutPct: number;
  randomControlPct: number;
  playbooks: Record<string, boolean>;
}

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; view: SettingsView };

const toPct = (share: number) => Math.round(share * 10000) / 100;
const toShare = (pct: number) => Math.round(pct * 100) / 10000;

function formFrom(view: SettingsView): FormState {
  const p = view.policies;
  return {
    quietHoursEnabled: p.quietHours.enabled,
    quietStart: p.quietHours.start,
    quietEnd: p.quietHours.end,
    perDay: p.frequencyCaps.perDay,
    perWeek: p.frequencyCaps.perWeek,
    holdoutPct: toPct(p.holdoutShare),
    randomControlPct: toPct(p.randomControlShare),
    playbooks: Object.fromEntries(view.playbooks.map((pb) => [pb.playbookId, pb.enabled])),
  };
}

/** The request the form stands for. Not validated: `settingsUpdateRequestSchema` does that. */
export function requestFrom(form: FormState): SettingsUpdateRequest {
  const policies: SettingsPolicies = {
    quietHours: { enabled: form.quietHoursEnabled, start: form.quietStart.trim(), end: form.quietEnd.trim() },
    frequencyCaps: { perDay: form.perDay, perWeek: form.perWeek },
    holdoutShare: toShare(form.holdoutPct),
    randomControlShare: toShare(form.randomControlPct),
  };
  return { policies, playbooks: Object.entries(form.playbooks).map(([playbookId, enabled]) => ({ playbookId, enabled })) };
}

/** Contract path of a policy field → the form field that shows its error. */
const FIELD_OF: Record<string, keyof FormState> = {
  'policies.quietHours.start': 'quietStart',
  'policies.quietHours.end': 'quietEnd',
  'policies.frequencyCaps.perDay': 'perDay',
  'policies.frequencyCaps.perWeek': 'perWeek',
  'policies.holdoutShare': 'holdoutPct',
  'policies.randomControlShare': 'randomControlPct',
};

/** The first message for each form field among contract-path issues (client-side zod or the backend's details). */
function fieldErrorsOf(issues: readonly FieldIssue[]): Partial<Record<keyof FormState, string>> {
  const next: Partial<Record<keyof FormState, string>> = {};
  for (const issue of issues) {
    const key = FIELD_OF[issue.path];
    if (key !== undefined && next[key] === undefined) next[key] = issue.message;
  }
  return next;
}

export function SettingsPage({ api, addAlert }: SettingsPageProps) {
  const [state, setState] = useState<State>(api === null ? { kind: 'error', message: NOT_CONFIGURED } : { kind: 'loading' });
  const [form, setForm] = useState<FormState | null>(null);
  const [errors, setErrors] = useState<Partial<Record<keyof FormState, string>>>({});
  const [saving, setSaving] = useState(false);

  const load = useCallback(() => {
    if (api === null) return;
    setState({ kind: 'loading' });
    api.getSettings().then(
      (view) => {
        setState({ kind: 'ready', view });
        setForm(formFrom(view));
        setErrors({});
      },
      (e: unknown) => setState({ kind: 'error', message: describeError(e) }),
    );
  }, [api]);
  useEffect(load, [load]);

  if (state.kind === 'loading' || (state.kind === 'ready' && form === null))
    return <LoadingSpinner label="Loading Baton settings…" layout="centered" testId="settings-loading" />;
  if (state.kind === 'error' || form === null) {
    return (
      <ErrorState title="Baton settings could not be loaded" testId="settings-error">
        <Text>{state.kind === 'error' ? state.message : ''}</Text>
        {api !== null ? <Button onClick={load}>Try again</Button> : null}
      </ErrorState>
    );
  }
  const { view } = state;
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => (f === null ? f : { ...f, [key]: value }));
    setErrors((e) => (e[key] === undefined ? e : { ...e, [key]: undefined }));
  };
  const fieldError = (key: keyof FormState) => ({ error: errors[key] !== undefined, validationMessage: errors[key] ?? '' });

  const save = () => {
    if (api === null || saving) return;
    const parsed = settingsUpdateRequestSchema.safeParse(requestFrom(form));
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))));
      return;
    }
    setSaving(true);
    api.saveSettings(parsed.data).then(
      (result) => {
        setSaving(false);
        setState({ kind: 'ready', view: result.settings });
        setForm(formFrom(result.settings));
        addAlert({ type: 'success', message: result.message });
      },
      (e: unknown) => {
        setSaving(false);
        // Fields the backend refused (its own bounds may be stricter than this page's) show at the field.
        const refused = e instanceof BatonApiError ? fieldErrorsOf(e.details) : {};
        if (Object.keys(refused).length > 0) setErrors(refused);
        addAlert({ type: 'danger', title: 'Settings not saved', message: describeError(e) });
      },
    );
  };
  const hasErrors = Object.values(errors).some((m) => m !== undefined);
  const c = view.connection;

  return (
    <Flex direction="column" gap="md" testId="settings">
      <Heading>HubSpot connection</Heading>
      <Flex direction="row" gap="xs" align="center" wrap>
        <StatusTag variant={c.status === 'connected' ? 'success' : 'danger'} testId="connection-status">
          {humanize(c.status)}
        </StatusTag>
        <Text testId="connection-detail">
          {c.status === 'connected'
            ? `HubSpot account ${c.portalId ?? '?'}${c.connectedAt !== null ? `, connected ${formatTime(c.connectedAt)}` : ''}`
            : `Baton cannot act in HubSpot${c.reason !== null ? ` (${c.reason})` : ''}; runs are paused until it is reconnected.`}
        </Text>
        {c.status !== 'connected' && c.installUrl !== null ? <Link href={c.installUrl}>Reconnect HubSpot</Link> : null}
      </Flex>
      <Divider />
      <Heading>Contact policies</Heading>
      <Toggle
        label="Quiet hours"
        name="quietHoursEnabled"
        checked={form.quietHoursEnabled}
        onChange={(v) => set('quietHoursEnabled', v)}
        testId="quiet-enabled"
      />
      <Flex direction="row" gap="sm" wrap>
        <Input
          label="Quiet from (HH:MM, recipient's time)"
          name="quietStart"
          value={form.quietStart}
          onChange={(v) => set('quietStart', v)}
          readOnly={!form.quietHoursEnabled}
          {...fieldError('quietStart')}
          testId="quiet-start"
        />
        <Input
          label="Quiet until (HH:MM)"
          name="quietEnd"
          value={form.quietEnd}
          onChange={(v) => set('quietEnd', v)}
          readOnly={!form.quietHoursEnabled}
          {...fieldError('quietEnd')}
          testId="quiet-end"
        />
      </Flex>
      <Flex direction="row" gap="sm" wrap>
        <NumberInput
          label="Messages per person per day"
          name="perDay"
          value={form.perDay}
          min={SETTINGS_BOUNDS.perDay.min}
          max={SETTINGS_BOUNDS.perDay.max}
          onChange={(v) => set('perDay', v)}
          {...fieldError('perDay')}
          testId="cap-day"
        />
        <NumberInput
          label="Messages per person per week"
          name="perWeek"
          value={form.perWeek}
          min={SETTINGS_BOUNDS.perWeek.min}
          max={SETTINGS_BOUNDS.perWeek.max}
          onChange={(v) => set('perWeek', v)}
          {...fieldError('perWeek')}
          testId="cap-week"
        />
      </Flex>
      <Flex direction="row" gap="sm" wrap>
        <NumberInput
          label="Holdout share (%)"
          name="holdoutPct"
          description="People Baton never acts for, to measure lift."
          value={form.holdoutPct}
          min={0}
          max={toPct(SETTINGS_BOUNDS.holdoutShare.max)}
          precision={2}
          onChange={(v) => set('holdoutPct', v)}
          {...fieldError('holdoutPct')}
          testId="holdout"
        />
        <NumberInput
          label="Random-control share (%)"
          name="randomControlPct"
          description="Decisions taken at random, to keep learning honest."
          value={form.randomControlPct}
          min={0}
          max={toPct(SETTINGS_BOUNDS.randomControlShare.max)}
          precision={2}
          onChange={(v) => set('randomControlPct', v)}
          {...fieldError('randomControlPct')}
          testId="random-control"
        />
      </Flex>
      <Divider />
      <Heading>Playbooks</Heading>
      {view.playbooks.length === 0 ? <Text>No playbooks yet: publish one through the Baton API.</Text> : null}
      {view.playbooks.map((pb) => (
        <Flex key={pb.playbookId} direction="column" gap="flush">
          <Toggle
            label={`${pb.name}${pb.version !== null ? ` (v${pb.version})` : ' (draft)'}`}
            name={`playbook-${pb.playbookId}`}
            checked={form.playbooks[pb.playbookId] ?? pb.enabled}
            onChange={(v) => setForm((f) => (f === null ? f : { ...f, playbooks: { ...f.playbooks, [pb.playbookId]: v } }))}
            testId={`playbook-${pb.playbookId}`}
          />
          {pb.description !== null ? <Text variant="microcopy">{pb.description}</Text> : null}
        </Flex>
      ))}
      {hasErrors ? (
        <Alert title="Some settings need fixing" variant="error" testId="settings-invalid">
          Nothing was saved.
        </Alert>
      ) : null}
      <Button variant="primary" disabled={saving} onClick={save} testId="settings-save">
        Save settings
      </Button>
    </Flex>
  );
}
