export { ManualClock } from '../../shared/clock';
