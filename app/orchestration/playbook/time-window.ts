/**
 * "Wait until a time window opens in the recipient's time zone": the playbook's name for the shared
 * time-zone module (app/shared/time-zone.ts), which holds the DST rules.
 */
export {
  isValidTimeZone,
  nextWindowOpening,
  parseClockTime,
  wallClockAt as wallClock,
  type DailyWindow,
  type WallClock,
} from '../../shared/time-zone';
