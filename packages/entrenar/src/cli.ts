#!/usr/bin/env node
/** The `entrenar` executable. */
import { main } from './main.js'

process.exitCode = await main(process)
