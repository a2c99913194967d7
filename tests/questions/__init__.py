"""Tests of portal.questions: questions and answers, the FAQ."""
