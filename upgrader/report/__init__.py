"""Output formats. Each turns Outcomes into text; secrets are masked here, at the edge."""
