import './util/array-buffer-detaching.js';
import { serve } from './cli/serve.js';

void serve(process.argv.slice(2));
