#!/usr/bin/env node
console.log('par');
