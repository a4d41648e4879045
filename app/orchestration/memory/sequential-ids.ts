export { SequentialIds } from '../../shared/ids';
