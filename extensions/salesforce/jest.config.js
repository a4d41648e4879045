// LWC unit tests (sfdx-lwc-jest's own jest 29 and its preset: LWC compiler, lightning-* stubs, jsdom).
// Run from this folder: `node ../../node_modules/@salesforce/sfdx-lwc-jest/bin/sfdx-lwc-jest`; the
// root `npm test` runs it through test/unit/salesforce/lwc.test.ts. Apex imports are mocked per test.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    setupFilesAfterEnv: [...(jestConfig.setupFilesAfterEnv || []), '<rootDir>/jest.setup.js'],
    testMatch: ['<rootDir>/force-app/**/__tests__/**/*.test.js'],
};
