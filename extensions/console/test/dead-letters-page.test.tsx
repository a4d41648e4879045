import { renderToStaticMarkup } from 'react-dom/server';
import { endpoints } from '../src/api/endpoints';
import { createApiClient } from '../src/api/http';
import { Console, type ConsoleContext } from '../src/lib/context';
import { DeadLetterList, DeadLettersPage } from '../src/pages/DeadLettersPage';
import { deadLetter as letter } from './dead-letter-fixture';

describe('console: the Dead letters page', () => {
  it('shows each dead letter with its error, kind, attempts and time of death, and a Redrive button per row', () => {
    const html = renderToStaticMarkup(
      <DeadLetterList
        list={[letter('job_1'), letter('job_2', { kind: 'zendesk.user_sync', error: null, attempts: 3, maxAttempts: 3, redrives: 2 })]}
        busy={new Set(['job_2'])}
        onRedrive={() => undefined}
      />,
    );
    expect(html).toContain('<code>hubspot.webhook-batch</code>');
    expect(html).toContain('Error: HubSpot answered 500');
    expect(html).toContain('5 of 5');
    expect(html).toContain('title="2026-11-23');
    expect(html).toContain('no error recorded');
    expect(html).toContain('redriven 2×');
    expect(html.match(/<button[^>]*>Redrive</g)).toHaveLength(2);
    // The row being redriven has its button disabled until the answer comes.
    expect(html).toMatch(/<button type="button" class="secondary" disabled="">Redrive<span class="sr-only"> zendesk.user_sync job job_2/);
  });

  it('says so when there are no dead letters', () => {
    expect(renderToStaticMarkup(<DeadLetterList list={[]} busy={new Set()} onRedrive={() => undefined} />)).toContain('No dead letters');
  });

  it('starts loading with "Redrive all" disabled until there is something to redrive', () => {
    const ctx = {
      api: endpoints(
        createApiClient({
          apiKey: 'k',
          fetch: async () => ({ status: 200, ok: true, text: async () => '{"deadLetters":[],"nextCursor":null}' }),
        }),
      ),
      navigate: () => undefined,
      signOut: () => undefined,
    } satisfies ConsoleContext;
    const html = renderToStaticMarkup(
      <Console.Provider value={ctx}>
        <DeadLettersPage />
      </Console.Provider>,
    );
    expect(html).toContain('<h1>Dead letters</h1>');
    expect(html).toContain('Loading dead letters…');
    expect(html).toMatch(/<button type="button" disabled="">Redrive all<\/button>/);
  });
});
