fn main() {
    nnlab_experiments::cnn::main();
}
