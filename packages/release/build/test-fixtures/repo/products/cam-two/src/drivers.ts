import { clamp } from './clamp.js';

const drivers = { sensor: 'IMX-TWO', read: (): number => clamp(42, 0, 40) };
export default drivers;
