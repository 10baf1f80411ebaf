module schedlab.dev/tools/measure/gocosts

go 1.19
