"""What harvesters and crawlers fetch: the VoID/DCAT description, the dumps, the sitemap, robots.txt."""
