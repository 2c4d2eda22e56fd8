// The Nest 12 kit of the Nest drivers: this project's devDependencies.
import 'reflect-metadata';
import * as common from '@nestjs/common';
import * as fastify from '@nestjs/platform-fastify';
import * as testing from '@nestjs/testing';
import * as tokengate from '@tokengate/nestjs';
import type { NestDriverKit } from './nestjs.js';

export const NEST12: NestDriverKit = { common, fastify, testing, tokengate };
