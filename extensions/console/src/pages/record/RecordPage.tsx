import { useEffect, useState, type FormEvent } from 'react';
import { profileQueryFor } from '../../api/endpoints';
import { Async, Link, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import type { Route } from '../../lib/route';
import { displayName } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { Card } from './Card';

type RecordRoute = Extract<Route, { page: 'record' }>;

/** Find a person by email, phone or name, and open their record card. */
export function RecordPage({ route }: { route: RecordRoute }) {
  const { api, navigate } = useConsole();
  const [text, setText] = useState(route.search ?? '');
  useEffect(() => setText(route.search ?? ''), [route.search]);
  const search = route.search;
  const results = useAsync(search === undefined ? null : () => api.searchProfiles(profileQueryFor(search)), [api, search]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (text.trim().length < 2) return;
    navigate({ page: 'record', search: text.trim() });
  }

  return (
    <div className="record-page">
      <h1>Records</h1>
      <form className="search" role="search" onSubmit={submit}>
        <label htmlFor="profile-search">Find a person by email, phone or name</label>
        <div className="row">
          <input
            id="profile-search"
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="ada@example.com, +44 20 7946 0958, Ada"
            minLength={2}
            required
          />
          <button type="submit">Search</button>
        </div>
      </form>
      {search === undefined ? null : (
        <Section title={`Results for “${search}”`}>
          <Async state={results} what="matching people">
            {(profiles) =>
              profiles.length === 0 ? (
                <p className="muted">Nobody matches. Baton knows a person once an event carried their identifiers.</p>
              ) : (
                <ul className="results">
                  {profiles.map((p) => (
                    <li key={p.id}>
                      <Link to={{ page: 'record', profileId: p.id, search }} current={p.id === route.profileId}>
                        <strong>{p.name === null ? (p.identifiers[0]?.value ?? p.id) : displayName(p.name)}</strong>
                      </Link>
                      <span className="muted">
                        {' '}
                        {p.identifiers
                          .slice(0, 3)
                          .map((i) => `${i.type}: ${i.value}`)
                          .join(' · ')}
                      </span>
                    </li>
                  ))}
                </ul>
              )
            }
          </Async>
        </Section>
      )}
      {route.profileId === undefined ? null : <Card key={route.profileId} profileId={route.profileId} />}
    </div>
  );
}
