import { LightningElement, api } from 'lwc';
import getCard from '@salesforce/apex/BatonCardController.getCard';
import act from '@salesforce/apex/BatonCardController.act';

/**
 * Renders Baton's record card (the contract of app/cards/card-view.ts) and sends its buttons through the
 * Apex controller, which signs the calls to the backend. Loading, empty and error states are explicit.
 */
export default class BatonCard extends LightningElement {
    @api recordId;
    card;
    loading = true;
    busy = false;
    error;
    message;
    draftBody;

    connectedCallback() {
        this.refresh();
    }

    async refresh() {
        this.loading = true;
        this.error = undefined;
        try {
            const res = await getCard({ recordId: this.recordId });
            this.card = res && res.card;
            this.draftBody = this.nba && this.nba.draft ? this.nba.draft.body : undefined;
        } catch (e) {
            this.error = messageOf(e);
        } finally {
            this.loading = false;
        }
    }

    get isEmpty() {
        return !this.card || !this.card.profileId;
    }
    get nba() {
        return this.card ? this.card.nextBestAction : null;
    }
    get stageLabel() {
        return this.card && this.card.journey ? this.card.journey.stage : 'unknown';
    }
    get hotnessLabel() {
        return this.card && this.card.hotness ? `${Math.round(this.card.hotness.score)} (${this.card.hotness.trend})` : '—';
    }
    get nbaStatus() {
        const n = this.nba;
        if (!n) return '';
        return n.until ? `${n.status} until ${n.until}` : n.status;
    }
    get hasRuns() {
        return this.card && this.card.runs && this.card.runs.length > 0;
    }
    get hasMatches() {
        return this.card && this.card.possibleMatches && this.card.possibleMatches.length > 0;
    }
    get matchRows() {
        return (this.card.possibleMatches || []).map((m) => ({
            matchId: m.matchId,
            label: `${m.displayName || m.otherProfileId}: ${Math.round(m.probability * 100)}% likely the same person`,
        }));
    }
    get hasIdentities() {
        return this.card && this.card.identities && this.card.identities.length > 0;
    }
    get identityRows() {
        return this.card.identities.map((i) => ({
            key: `${i.type}:${i.scope || ''}:${i.value}`,
            label: `${humanize(i.type)}: ${i.value}${i.scope ? ` (${i.scope})` : ''}`,
            source: i.source,
            // Why the record that brought it is this person ("same phone …, name Joe ≈ Joseph · …").
            evidence: i.evidence || null,
        }));
    }
    get hasSignals() {
        return this.card && this.card.signals && this.card.signals.length > 0;
    }
    get signalRows() {
        return this.card.signals.map((s) => {
            const parts = [`${s.source} · ${humanize(s.type)}`];
            if (s.intent) parts.push(`intent ${humanize(s.intent)}${s.intentConfidence === null || s.intentConfidence === undefined ? '' : ` (${Math.round(s.intentConfidence * 100)}%)`}`);
            if (s.sentimentLabel) parts.push(`${s.sentimentLabel} sentiment`);
            return { eventId: s.eventId, summary: parts.join(' — '), urgent: s.urgency === 'high', excerpt: s.excerpt };
        });
    }

    async send(action) {
        this.busy = true;
        this.message = undefined;
        try {
            const res = await act({ recordId: this.recordId, actionJson: JSON.stringify(action) });
            this.card = res.card;
            this.message = res.message;
        } catch (e) {
            this.error = messageOf(e);
        } finally {
            this.busy = false;
        }
    }

    base() {
        return { profileId: this.card.profileId, decisionId: this.nba.decisionId };
    }
    accept() {
        return this.send({ type: 'accept', ...this.base() });
    }
    snooze() {
        return this.send({ type: 'snooze', ...this.base(), hours: 24 });
    }
    dismiss() {
        return this.send({ type: 'dismiss', ...this.base() });
    }
    editDraft(event) {
        this.draftBody = event.detail.value;
    }
    approveDraft() {
        const draft = { body: this.draftBody || '' };
        if (this.nba.draft.subject) draft.subject = this.nba.draft.subject;
        return this.send({ type: 'approve_draft', ...this.base(), draft });
    }
    retry(event) {
        return this.send({ type: 'retry_step', profileId: this.card.profileId, runId: event.target.dataset.runId });
    }
    confirmMatch(event) {
        return this.send({ type: 'confirm_match', profileId: this.card.profileId, matchId: event.target.dataset.matchId });
    }
    rejectMatch(event) {
        return this.send({ type: 'reject_match', profileId: this.card.profileId, matchId: event.target.dataset.matchId });
    }
}

function humanize(code) {
    const text = String(code).replace(/[._]/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
}

function messageOf(e) {
    if (e && e.body && e.body.message) return e.body.message;
    if (e && e.message) return e.message;
    return 'Baton could not be reached. Try again in a moment.';
}
