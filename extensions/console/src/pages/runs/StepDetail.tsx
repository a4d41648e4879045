import type { Step } from '../../../../../app/contracts';
import { Badge, JsonBlock, TableWrap } from '../../components/ui';
import { formatInstant, humanize } from '../../lib/format';

export function StepDetail({ step }: { step: Step }) {
  return (
    <details className="step" open={step.status === 'failed' || step.status === 'undeliverable'}>
      <summary>
        <strong>{step.stepId}</strong> <span className="muted">{humanize(step.kind)}</span> <Badge value={step.status} />{' '}
        <span className="muted">
          {step.attempt} attempt{step.attempt === 1 ? '' : 's'}
        </span>
        {step.error === null ? null : <span className="field-error"> {step.error.code}</span>}
      </summary>
      {step.error === null ? null : (
        <p className="field-error">
          {step.error.code} ({step.error.category ?? 'error'}): {step.error.message}
        </p>
      )}
      <div className="json-pair">
        <JsonBlock label="Input" value={step.input} />
        <JsonBlock label="Output" value={step.output} />
      </div>
      {step.attempts.length === 0 ? null : (
        <TableWrap label={`Attempts of ${step.stepId}`}>
          <table>
            <caption>Attempts of {step.stepId}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Outcome</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Error</th>
                <th scope="col">Idempotency key</th>
              </tr>
            </thead>
            <tbody>
              {step.attempts.map((a) => (
                <tr key={`${a.attempt}-${String(a.startedAt)}`}>
                  <td>{a.attempt}</td>
                  <td>
                    <Badge value={a.outcome} />
                  </td>
                  <td>{formatInstant(a.startedAt)}</td>
                  <td>{formatInstant(a.finishedAt)}</td>
                  <td>{a.error === null ? '—' : `${a.error.code}: ${a.error.message}`}</td>
                  <td>
                    <code>{a.idempotencyKey ?? '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </details>
  );
}
