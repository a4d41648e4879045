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
    /** True when the backend sends traits (an older one does not: the section stays out). */
    get hasTraitSection() {
        return !!this.card && Array.isArray(this.card.traits);
    }
    get hasNoTraits() {
        return this.hasTraitSection && this.card.traits.length === 0;
    }
    /** Traits other than audience memberships, in the card's order (most recently changed first). */
    get traitRows() {
        return this.hasTraitSection
            ? this.card.traits
                  .filter((t) => !t.audience)
                  .map((t) => ({ name: t.name, value: traitValue(t.value), source: sourceLabel(t.source), at: instant(t.at) }))
            : [];
    }
    get hasTraitRows() {
        return this.traitRows.length > 0;
    }
    /** `audience_<name>` traits as memberships: member while true, left once false. */
    get audienceRows() {
        return this.hasTraitSection
            ? this.card.traits
                  .filter((t) => t.audience)
                  .map((t) => ({
                      name: t.name,
                      label: `${t.audience}: ${t.value === true ? 'member' : t.value === false ? 'left' : traitValue(t.value)}`,
                      detail: `${sourceLabel(t.source)} · ${instant(t.at)}`,
                  }))
            : [];
    }
    get hasAudiences() {
        return this.audienceRows.length > 0;
    }
    get hasSignals() {
        return this.card && this.card.signals && this.card.signals.length > 0;
    }
    get signalRows() {
        return this.card.signals.map((s) => {
            const parts = [`${s.source} · ${humanize(s.type)}`];
            if (s.intent)
                parts.push(
                    `intent ${humanize(s.intent)}${s.intentConfidence === null || s.intentConfidence === undefined ? '' : ` (${Math.round(s.intentConfidence * 100)}%)`}`,
                );
            if (s.sentimentLabel) parts.push(`${s.sentimentLabel} sentiment`);
            if (s.language) parts.push(`language ${s.language}`);
            return { eventId: s.eventId, summary: parts.join(' — '), urgent: s.urgency === 'high', excerpt: s.excerpt };
        });
    }
    get conversation() {
        return this.card ? this.card.conversation : undefined;
    }
    get hasConversation() {
        return !!this.conversation;
    }
    get hasMessages() {
        return !!this.conversation && this.conversation.latest.length > 0;
    }
    /** The latest messages across channels: who said it where, and the signals of the customer's own. */
    get messageRows() {
        return this.conversation.latest.map((m) => {
            const parts = [`${CHANNELS[m.channel] || humanize(m.channel)} · ${SPEAKERS[m.speaker] || m.speaker}`];
            if (m.intent) parts.push(`intent ${humanize(m.intent)}`);
            if (m.sentimentLabel) parts.push(`${m.sentimentLabel} sentiment ${signed(m.sentiment)}`);
            if (m.language) parts.push(`language ${m.language}`);
            return {
                messageId: m.messageId,
                summary: parts.join(' — '),
                urgent: m.urgency === 'high',
                excerpt: m.excerpt,
                occurredAt: m.occurredAt,
            };
        });
    }
    get trendSummary() {
        const t = this.conversation && this.conversation.trend;
        if (!t || t.latest === null) return 'No sentiment yet: the person has not written in words.';
        return `Sentiment trend ${signed(t.latest)} (${t.direction})`;
    }
    /** The latest sharp fall of the trend (what policies can escalate on), as one line. */
    get trendFall() {
        const t = this.conversation && this.conversation.trend;
        const fall = t && t.falls.length > 0 ? t.falls[t.falls.length - 1] : null;
        return fall ? `Sharp fall ${signed(fall.from)} → ${signed(fall.to)} on ${fall.at}` : null;
    }
    get hasTrendLine() {
        return !!this.conversation && this.conversation.trend.points.length >= 2;
    }
    /** SVG polyline points of the trend in a 100 × 30 box (x by message, y from +1 at the top to −1 at the bottom). */
    get trendPoints() {
        const points = this.conversation.trend.points;
        const step = 100 / (points.length - 1);
        return points.map((p, i) => `${(i * step).toFixed(1)},${(15 - p.trend * 15).toFixed(1)}`).join(' ');
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

const CHANNELS = {
    email: 'E-mail',
    crm_note: 'CRM note',
    crm_case: 'Case',
    hubspot_inbox: 'HubSpot inbox',
    zendesk: 'Zendesk',
    sms: 'SMS',
    whatsapp: 'WhatsApp',
    chat: 'Chat',
    api: 'API',
};
const SPEAKERS = { customer: 'Customer', rep: 'Rep', bot: 'Baton', unknown: 'Unknown sender' };

const SOURCES = {
    hubspot: 'HubSpot',
    salesforce: 'Salesforce',
    api: 'API',
    zendesk: 'Zendesk',
    twilio: 'Twilio',
    whatsapp: 'WhatsApp',
    warehouse: 'Warehouse',
};

/** A trait value as text (the template renders it as text, never as markup): yes/no for booleans. */
function traitValue(value) {
    if (value === true) return 'Yes';
    if (value === false) return 'No';
    return String(value);
}

/** `warehouse:con_1` → "Warehouse con_1", `hubspot` → "HubSpot". */
function sourceLabel(source) {
    const at = String(source).indexOf(':');
    const kind = at < 0 ? String(source) : String(source).slice(0, at);
    const name = SOURCES[kind] || kind;
    return at < 0 ? name : `${name} ${String(source).slice(at + 1)}`;
}

/** ISO time → "2026-11-30 14:05 UTC". */
function instant(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function signed(x) {
    return `${x >= 0 ? '+' : ''}${Number(x).toFixed(2)}`;
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
