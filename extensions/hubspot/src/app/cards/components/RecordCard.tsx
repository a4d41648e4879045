import {
  Button,
  DescriptionList,
  DescriptionListItem,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  LoadingSpinner,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { useCallback, useEffect, useState } from 'react';
import { type AddAlert, type BatonApi, describeError, NOT_CONFIGURED } from '../lib/api';
import type { CardActionRequest, CardView } from '../lib/contract/card-view';
import { formatDuration, formatTime, humanize } from '../lib/format';
import { Conversation } from './Conversation';
import { Identities } from './Identities';
import { NextBestAction } from './NextBestAction';
import { Runs } from './Runs';
import { Signals } from './Signals';
import { Traits } from './Traits';

export interface RecordCardProps {
  readonly objectTypeId: string;
  readonly objectId: string | number;
  /** Null when the app was uploaded without a backend URL (the PUBLIC_URL profile variable). */
  readonly api: BatonApi | null;
  readonly addAlert: AddAlert;
  /** Called after a button changed something Baton writes back to the record's properties. */
  readonly refreshObjectProperties?: () => void;
}

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; card: CardView };

const TREND_VARIANT = { rising: 'success', steady: 'default', cooling: 'warning' } as const;
const WRITES_PROPERTIES = new Set<CardActionRequest['type']>(['accept', 'approve_draft', 'dismiss', 'snooze']);

export function RecordCard({ objectTypeId, objectId, api, addAlert, refreshObjectProperties }: RecordCardProps) {
  const [state, setState] = useState<State>(api === null ? { kind: 'error', message: NOT_CONFIGURED } : { kind: 'loading' });
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    if (api === null) return;
    setState({ kind: 'loading' });
    api.getRecordCard(objectTypeId, objectId).then(
      (card) => setState({ kind: 'ready', card }),
      (e: unknown) => setState({ kind: 'error', message: describeError(e) }),
    );
  }, [api, objectTypeId, objectId]);

  useEffect(load, [load]);

  const act = useCallback(
    (request: CardActionRequest) => {
      if (api === null || busy) return;
      setBusy(true);
      api.act(request).then(
        (result) => {
          setState({ kind: 'ready', card: result.card });
          setBusy(false);
          addAlert({ type: 'success', message: result.message });
          if (WRITES_PROPERTIES.has(request.type)) refreshObjectProperties?.();
        },
        (e: unknown) => {
          setBusy(false);
          addAlert({ type: 'danger', title: 'Baton could not do that', message: describeError(e) });
        },
      );
    },
    [api, busy, addAlert, refreshObjectProperties],
  );

  if (state.kind === 'loading') return <LoadingSpinner label="Loading Baton…" layout="centered" testId="baton-loading" />;
  if (state.kind === 'error') {
    return (
      <ErrorState title="Baton could not load this record" testId="baton-error">
        <Text testId="baton-error-message">{state.message}</Text>
        {api !== null ? (
          <Button onClick={load} testId="baton-reload">
            Try again
          </Button>
        ) : null}
      </ErrorState>
    );
  }
  const { card } = state;
  if (card.profileId === null) {
    return (
      <EmptyState title="Baton has not seen this record yet" layout="vertical" testId="baton-empty">
        <Text>
          Nothing Baton received (CRM changes, messages, tickets) carried this record's identifiers so far. The card fills in as soon as it
          does.
        </Text>
      </EmptyState>
    );
  }
  const { profileId } = card;
  return (
    <Flex direction="column" gap="md" testId="baton-card">
      <DescriptionList direction="row">
        <DescriptionListItem label="Journey stage">
          {card.journey === null ? (
            <Text>Unknown</Text>
          ) : (
            <Tag variant="info" testId="journey-stage">
              {humanize(card.journey.stage)}
            </Tag>
          )}
        </DescriptionListItem>
        <DescriptionListItem label="Time in stage">
          <Text testId="time-in-stage">
            {card.journey === null ? '—' : `${formatDuration(card.journey.timeInStageMs)} (since ${formatTime(card.journey.enteredAt)})`}
          </Text>
        </DescriptionListItem>
        <DescriptionListItem label="Hotness">
          {card.hotness === null ? (
            <Text>—</Text>
          ) : (
            <Flex direction="row" gap="xs" align="center">
              <Text format={{ fontWeight: 'bold' }} testId="hotness">{`${Math.round(card.hotness.score)} / 100`}</Text>
              <Tag variant={TREND_VARIANT[card.hotness.trend]} testId="hotness-trend">
                {humanize(card.hotness.trend)}
              </Tag>
            </Flex>
          )}
        </DescriptionListItem>
      </DescriptionList>
      <Divider />
      <NextBestAction
        key={card.nextBestAction?.decisionId ?? 'none'}
        profileId={profileId}
        nba={card.nextBestAction}
        busy={busy}
        onAct={act}
      />
      <Divider />
      <Runs profileId={profileId} runs={card.runs} busy={busy} onAct={act} />
      <Divider />
      <Identities profileId={profileId} identities={card.identities} possibleMatches={card.possibleMatches} busy={busy} onAct={act} />
      <Divider />
      {card.traits === undefined ? null : (
        <>
          <Traits traits={card.traits} />
          <Divider />
        </>
      )}
      {card.conversation === undefined ? null : (
        <>
          <Conversation conversation={card.conversation} />
          <Divider />
        </>
      )}
      <Signals signals={card.signals} />
      <Text variant="microcopy">{`Updated ${formatTime(card.generatedAt)}`}</Text>
    </Flex>
  );
}
