"""Tests of portal.news: company news as candidates read it and HR curates it."""
