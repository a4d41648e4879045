import { useEffect, useRef, useState } from 'react';
import type { CardActionRequest, CardView } from '../../../../../app/contracts';
import { isMissingEndpoint } from '../../api/http';
import { describeError, ErrorState, Loading, Notice } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { useAsync, usePolling } from '../../lib/useAsync';
import { CardHeader } from './CardHeader';
import { CardRuns, ProfileRuns } from './CardRuns';
import { Conversation } from './Conversation';
import { Identities } from './Identities';
import { NextAction } from './NextAction';
import { Signals } from './Signals';
import { StartPlaybook } from './StartPlaybook';
import { Traits } from './Traits';

/** The record card: the same contract (app/cards/card-view.ts) the HubSpot and Salesforce cards render. */
export function Card({ profileId }: { profileId: string }) {
  const { api } = useConsole();
  const loaded = useAsync(() => api.card(profileId), [api, profileId]);
  const [card, setCard] = useState<CardView | null>(null);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  const [busy, setBusy] = useState(false);
  const [starts, setStarts] = useState(0);
  usePolling(loaded.reload, 10_000, !busy);
  const fresh = loaded.status === 'ok' ? loaded.data : null;
  useEffect(() => {
    if (fresh !== null) setCard(fresh);
  }, [fresh]);

  const noticeBox = useRef<HTMLDivElement>(null);
  const focusBefore = useRef<HTMLElement | null>(null);
  // Buttons are disabled while an action runs, which drops the keyboard focus: put it back on the
  // button if it is still there and usable, otherwise on the result line.
  useEffect(() => {
    const before = focusBefore.current;
    if (busy || before === null) return;
    focusBefore.current = null;
    if (document.activeElement !== document.body && document.activeElement !== null) return;
    if (before.isConnected && !(before as HTMLButtonElement).disabled) before.focus();
    else noticeBox.current?.focus();
  }, [busy]);

  async function act(request: CardActionRequest) {
    focusBefore.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setBusy(true);
    try {
      const result = await api.cardAction(request);
      setCard(result.card);
      setNotice({ text: result.message, tone: 'info' });
    } catch (err) {
      const { title, detail } = describeError(err);
      setNotice({ text: `${title}: ${detail}`, tone: 'bad' });
    } finally {
      setBusy(false);
    }
  }

  const started = (message: string) => {
    setNotice({ text: message, tone: 'info' });
    setStarts((n) => n + 1);
    loaded.reload();
  };

  if (loaded.status === 'error' && card === null) {
    return (
      <div className="card-grid">
        <ErrorState error={loaded.error} onRetry={loaded.reload} />
        <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
        {isMissingEndpoint(loaded.error) ? <ProfileRuns key={starts} profileId={profileId} /> : null}
        <StartPlaybook profileId={profileId} onStarted={started} />
      </div>
    );
  }
  if (card === null) return <Loading what="the record card" />;
  if (card.profileId === null) return <p className="muted">Baton has not seen this person yet.</p>;
  const id = card.profileId;
  return (
    <article className="card-grid" aria-label={`Record card for ${card.displayName ?? id}`}>
      <CardHeader card={card} />
      <div ref={noticeBox} tabIndex={-1} className="notice-box">
        <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
      </div>
      <NextAction key={card.nextBestAction?.decisionId ?? 'none'} profileId={id} next={card.nextBestAction} busy={busy} act={act} />
      <CardRuns profileId={id} runs={card.runs} busy={busy} act={act} />
      <StartPlaybook profileId={id} onStarted={started} />
      <Identities profileId={id} identities={card.identities} matches={card.possibleMatches} busy={busy} act={act} />
      {card.traits === undefined ? null : <Traits traits={card.traits} />}
      <Conversation profileId={id} />
      <Signals signals={card.signals} />
    </article>
  );
}
