#!/usr/bin/env node
// Committed launcher so that npm links the command at install time, before the build exists.
import '../dist/main.js';
